"""The GVP algorithm (paper eq. 6) as an mmpretrain self-supervisor."""
from typing import Dict, List, Optional

import torch
from mmpretrain.models import BaseSelfSupervisor
from mmpretrain.structures import DataSample
from torch import Tensor, nn

from gvp.registry import MODELS
from ..backbones.inputs import unit_range
from .generation import Generated, generate
from .step import StepInputs

GENERATION = dict(type='RevealPlanGenerator', mask_ratio=0.75, num_groups=8)


@MODELS.register_module()
class GVP(BaseSelfSupervisor):
    """Generative Visual Pretraining (paper §4.1, §5).

    The pieces, each a registered part chosen in the config::

        images -> StepInputs -> backbone.patch_embed (input embedding:
        pixels or ids) -> plan (backbone.mask_generator) -> two streams
        (GVPViT) -> head (GVPHead) -> loss against target_generator(step)

    ==========  ======================  ================  =================
    variant     backbone.input_embed    target_generator  tokenizer
    ==========  ======================  ================  =================
    p2p         pixels (default)        ``PixelTarget``   none
    p2d         pixels                  ``TokenIdTarget`` ids (targets)
    d2d         ``IdEmbedding``         ``TokenIdTarget`` ids (both)
    HOG         pixels                  ``HOGTarget``     none
    teacher     pixels                  ``TeacherFeatureTarget``
    ==========  ======================  ================  =================

    Args:
        backbone (dict): a :class:`~gvp.models.GVPViT`.
        head (dict): a :class:`~gvp.models.GVPHead`; ``num_outputs`` comes
            from the target generator.
        target_generator (dict): a target (:mod:`gvp.models.targets`).
        tokenizer (dict, optional): a ``VQGANTokenizer`` with its
            checkpoint, built frozen; it runs at most once per step and its
            ids serve the id input and the id target alike. Its
            downsampling factor must equal the backbone's ``patch_size``.
        generation (dict): the reveal plan of :meth:`generate` (a
            registered ``RevealPlanGenerator``: ``mask_ratio``,
            ``num_groups``, ``order``); the reconstruction tool and the
            visualisation hook read it from here.
    """

    def __init__(self,
                 backbone: dict,
                 head: dict,
                 target_generator: dict,
                 tokenizer: Optional[dict] = None,
                 generation: Optional[dict] = None,
                 **kwargs):
        target = MODELS.build(target_generator) if isinstance(
            target_generator, dict) else target_generator
        head = dict(head)
        head.setdefault('num_outputs', target.num_outputs)
        super().__init__(
            backbone=backbone, head=head, target_generator=target, **kwargs)
        self.tokenizer = None
        if tokenizer is not None:
            self.tokenizer = MODELS.build(dict(tokenizer, frozen=True))
        self.reveal_plan = MODELS.build(dict(GENERATION, **(generation or {})))
        self._check_shapes()
        self._check_tokenizer()

    # ------------------------------------------------------------------ #
    def _check_shapes(self):
        """Backbone, head, target and data preprocessor must agree on
        width, patch size and channels (otherwise the first step fails deep
        in torch)."""
        backbone, target = self.backbone, self.target_generator
        predictor = getattr(self.head, 'predictor', None)
        if isinstance(predictor, nn.Linear) and \
                predictor.in_features != backbone.embed_dims:
            raise ValueError(
                f'head.embed_dims={predictor.in_features} but the backbone '
                f'is {backbone.embed_dims} wide: set model.head.embed_dims='
                f'{backbone.embed_dims}')
        size = getattr(target, 'patch_size', None)
        if size is not None and size != backbone.patch_size:
            raise ValueError(
                f'target_generator.patch_size={size} but backbone.patch_size='
                f'{backbone.patch_size}: a target is per token; set '
                f'model.target_generator.patch_size={backbone.patch_size}')
        proj = getattr(backbone.patch_embed, 'projection', None)
        channels = getattr(proj, 'in_channels', None)
        wanted = getattr(target, 'in_channels', channels)
        if channels is not None and wanted != channels:
            raise ValueError(
                f'target_generator.in_channels={wanted} but the backbone '
                f'takes {channels}-channel images: set '
                f'model.target_generator.in_channels={channels}')
        mean = getattr(self.data_preprocessor, 'mean', None)
        if channels and isinstance(mean, Tensor) and \
                mean.numel() not in (1, channels):
            raise ValueError(
                f'data_preprocessor mean/std have {mean.numel()} values but '
                f'the backbone takes {channels} channels: give one per '
                'channel')

    def _check_tokenizer(self):
        """The id input / id target need a tokenizer of the same grid and
        codebook."""
        codes = {
            'backbone.input_embed.vocab_size':
            getattr(self.backbone.patch_embed, 'vocab_size', None),
            'target_generator.num_codes':
            getattr(self.target_generator, 'num_codes', None)
        }
        codes = {k: v for k, v in codes.items() if v is not None}
        if not codes:
            return
        tok = self.tokenizer
        if tok is None:
            raise ValueError(
                'this GVP variant (id target or id input) needs ids: give '
                'model.tokenizer=dict(type="VQGANTokenizer", checkpoint=...).')
        if tok.stride != self.backbone.patch_size:
            raise ValueError(
                f'tokenizer downsamples by f={tok.stride} but the backbone '
                f'patch_size is {self.backbone.patch_size}: ids and tokens '
                f'must share one grid; set patch_size={tok.stride} or use a '
                f'tokenizer with len(ch_mult) - 1 = log2(patch_size).')
        for what, n in codes.items():
            if n != tok.num_codes:
                raise ValueError(f'{what}={n} but the tokenizer has '
                                 f'{tok.num_codes} codes; set them equal.')

    # ------------------------------------------------------------------ #
    def to_unit_range(self, inputs: Tensor) -> Tensor:
        """Undo the data preprocessor: ``[B, C, H, W]`` -> ``[0, 1]``."""
        pre = self.data_preprocessor
        mean, std = getattr(pre, 'mean', None), getattr(pre, 'std', None)
        if isinstance(mean, Tensor) and isinstance(std, Tensor):
            return unit_range(inputs, mean[None], std[None])
        return (inputs / 255.).clamp(0, 1)

    def step_inputs(self, inputs: Tensor,
                    data_samples: Optional[List[DataSample]] = None
                    ) -> StepInputs:
        """A step's normalised images and their derived forms; ids cached
        offline (``token_ids`` of the data samples, see
        :mod:`gvp.datasets.token_cache`) stand in for the tokenizer. Integer
        ``inputs [B, h, w]`` are ids themselves (d2d on the cache with
        ``TokenIdsPreprocessor``: no image decoded, none to read)."""
        if not inputs.is_floating_point():
            step = StepInputs(None, self.to_unit_range, None)
            step.set_ids(inputs)
            return step
        step = StepInputs(inputs, self.to_unit_range, self.tokenizer)
        if data_samples and 'token_ids' in data_samples[0]:
            step.set_ids(torch.stack([
                torch.as_tensor(s.token_ids) for s in data_samples
            ]).to(inputs.device))
        return step

    def tokenize(self, inputs: Tensor) -> Tensor:
        """Normalised images ``[B, C, H, W]`` -> ids ``[B, H / f, W / f]``."""
        return self.step_inputs(inputs).ids

    @property
    def can_generate(self) -> bool:
        """Predictions can be fed back: the target writes what the input
        embedding reads (p2p, d2d)."""
        feeds = self.target_generator.feeds
        return feeds is not None and isinstance(self.backbone.patch_embed,
                                                feeds)

    def generate(self,
                 inputs: Tensor,
                 ranks: Optional[Tensor] = None,
                 one_shot: bool = False,
                 temperature: float = 0.,
                 generator: Optional[torch.Generator] = None) -> Generated:
        """Reconstruct the masked part of normalised ``inputs``: group by
        group (default) or in one shot. ``ranks [B, T]`` is the plan
        (0 = visible); by default one of :attr:`reveal_plan` (the config's
        ``generation``). See :mod:`.generation`."""
        if not self.can_generate:
            raise NotImplementedError(
                'generation feeds predictions back as inputs: defined when '
                'the target writes what the input embedding reads (p2p, '
                f'd2d), not for {type(self.target_generator).__name__} into '
                f'{type(self.backbone.patch_embed).__name__}.')
        if ranks is None:
            ranks = self.reveal_plan(inputs.shape[0],
                                     self.backbone.patch_resolution,
                                     inputs.device, generator).ranks
        return generate(self, self.step_inputs(inputs), ranks, one_shot,
                        temperature, generator)

    def train_step(self, data, optim_wrapper) -> Dict[str, Tensor]:
        """mmengine's train step; the parameter update runs outside
        ``torch.compile``. mmengine's ``compile=True`` compiles this whole
        method, and dynamo on torch 2.14 fails inside ``Optimizer.step``
        (``_set_capturable``); forward and loss are still compiled, the
        update is eager (as it is cheap)."""
        with optim_wrapper.optim_context(self):
            data = self.data_preprocessor(data, True)
            losses = self._run_forward(data, mode='loss')
        parsed, log_vars = self.parse_losses(losses)
        _update_params(optim_wrapper, parsed)
        return log_vars

    def loss(self, inputs: Tensor, data_samples: List[DataSample],
             **kwargs) -> Dict[str, Tensor]:
        step = self.step_inputs(inputs, data_samples)
        out = self.backbone(self.backbone.patch_embed.model_input(step))
        targets = self.target_generator(step)
        return dict(loss=self.head.loss(out, targets, self.target_generator))


@torch.compiler.disable
def _update_params(optim_wrapper, loss: Tensor) -> None:
    """Backward, step, zero-grad: never traced by dynamo."""
    optim_wrapper.update_params(loss)
