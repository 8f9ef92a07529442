"""The GVP algorithm (paper eq. 6) as an mmpretrain self-supervisor."""
from typing import Dict, List, Optional

import torch
from mmpretrain.models import BaseSelfSupervisor
from mmpretrain.structures import DataSample
from torch import Tensor, nn

from gvp.registry import MODELS
from .generation import Generated, generate
from .step import StepInputs, cached_ids

GENERATION = dict(type='RevealPlanGenerator', mask_ratio=0.75, num_groups=8)


@MODELS.register_module()
class GVP(BaseSelfSupervisor):
    """Generative Visual Pretraining (paper §4.1, §5).

    The pieces, each a registered part chosen in the config::

        data -> StepInputs (images, their mean / std, the tokenizer's ids)
          -> backbone: its input embedding reads its form of the step,
             plan (mask_generator), two streams (GVPViT) -> TwoStreamOutput
          -> head (GVPHead): one prediction per predicted token
          -> target_generator.loss(predictions, step, output)

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
        head (dict): a :class:`~gvp.models.GVPHead`; ``embed_dims`` comes
            from the backbone, ``num_outputs`` from the target generator.
        target_generator (dict): a target (:mod:`gvp.models.targets`); what
            it names in ``from_backbone`` (``patch_size``, ``in_channels``)
            comes from the backbone.
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
        # widths flow from the backbone (as timm hands a block its width):
        # the target gets the patch grid and channels, the head the width
        # and the target's prediction width
        backbone = build(backbone)
        target = build(target_generator,
                       'target_generator', {
                           k: getattr(backbone, k)
                           for k in _target_class(target_generator)
                           .from_backbone
                       })
        head = build(head, 'head', dict(embed_dims=backbone.embed_dims,
                                        num_outputs=target.num_outputs))
        super().__init__(
            backbone=backbone, head=head, target_generator=target, **kwargs)
        self.tokenizer = None
        if tokenizer is not None:
            self.tokenizer = MODELS.build(dict(tokenizer, frozen=True))
        self.reveal_plan = MODELS.build(dict(GENERATION, **(generation or {})))
        self._check_norm()
        self._check_tokenizer()

    # ------------------------------------------------------------------ #
    def _check_norm(self):
        """One mean / std per channel the backbone reads (otherwise the
        first step fails deep in torch)."""
        mean = getattr(self.data_preprocessor, 'mean', None)
        channels = self.backbone.in_channels
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
    def step_inputs(self, inputs: Tensor,
                    data_samples: Optional[List[DataSample]] = None
                    ) -> StepInputs:
        """A step from the data: the preprocessor's output (normalised
        images, or ids where it says it gives ids: ``TokenIdsPreprocessor``
        on the token cache), its mean / std, the tokenizer, and ids cached
        on the data samples (``token_ids``) in place of a tokenizer run."""
        pre = self.data_preprocessor
        mean, std = getattr(pre, 'mean', None), getattr(pre, 'std', None)
        if not (isinstance(mean, Tensor) and isinstance(std, Tensor)):
            mean = std = None
        else:
            mean, std = mean[None], std[None]
        if getattr(pre, 'gives', 'images') == 'ids':
            return StepInputs(None, mean, std, self.tokenizer, ids=inputs)
        if not inputs.is_floating_point():
            raise ValueError(
                f'{type(pre).__name__} gives images but the batch holds ids '
                'only (TokenIdsPreprocessor on the token cache is for d2d, '
                "input_embed=dict(type='IdEmbedding')); p2p/p2d need the "
                'images (LoadImageOrSkip ... PackInputs)')
        return StepInputs(inputs, mean, std, self.tokenizer,
                          ids=cached_ids(data_samples, inputs.device))

    def extract_feat(self, inputs: Tensor):
        """mmpretrain's contract (its ``get_flops``, ``vis_tsne``, ...):
        the backbone's output for normalised images ``[B, C, H, W]`` on a plan
        of the backbone's mask generator; d2d's ids from the tokenizer."""
        return self.backbone(self.step_inputs(inputs))

    def to_unit_range(self, inputs: Tensor) -> Tensor:
        """Undo the data preprocessor: ``[B, C, H, W]`` -> ``[0, 1]``."""
        return self.step_inputs(inputs).unit_images

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
        """Eq. 6: both streams on a sampled plan, a prediction per predicted
        token, the target's loss on them."""
        step = self.step_inputs(inputs, data_samples)
        out = self.backbone(step)  # reads the form its input embedding takes
        pred = self.head(out.feats)
        return dict(loss=self.target_generator.loss(pred, step, out))


def build(cfg, where: str = '', filled: Optional[dict] = None) -> nn.Module:
    """``cfg`` built (a module as it is) with ``filled`` values given; a
    config that states one of them differently is refused, naming it."""
    if isinstance(cfg, nn.Module):
        return cfg
    cfg = dict(cfg)
    for key, value in (filled or {}).items():
        if key in cfg and cfg[key] != value:
            raise ValueError(
                f'model.{where}.{key}={cfg[key]} but the backbone gives '
                f'{value}: drop model.{where}.{key} (it is filled in from '
                'the backbone)')
        cfg[key] = value
    return MODELS.build(cfg)


def _target_class(cfg) -> type:
    """The class a target config (or module) is."""
    if isinstance(cfg, nn.Module):
        return type(cfg)
    cls = MODELS.get(cfg['type']) if isinstance(cfg['type'], str) \
        else cfg['type']
    if cls is None:
        raise KeyError(f'{cfg["type"]} is not a registered target generator '
                       '(gvp.models.targets)')
    return cls


@torch.compiler.disable
def _update_params(optim_wrapper, loss: Tensor) -> None:
    """Backward, step, zero-grad: never traced by dynamo."""
    optim_wrapper.update_params(loss)
