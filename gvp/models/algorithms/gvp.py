"""The GVP algorithm (paper eq. 6) as an mmpretrain self-supervisor."""
from typing import Dict, List, Optional

from mmpretrain.models import BaseSelfSupervisor
from mmpretrain.structures import DataSample
from torch import Tensor, nn

from gvp.registry import MODELS
from ..backbones.token_embed import unit_range
from .generation import Generated, generate_ids, generate_pixels, reveal_plan


@MODELS.register_module()
class GVP(BaseSelfSupervisor):
    """Generative Visual Pretraining: p2p, p2d and d2d (paper §4.1, §5).

    The backbone (:class:`~gvp.models.backbones.GVPViT`, ``mode='pretrain'``)
    samples a group plan, runs the content and query streams and returns the
    query-stream features of the predicted tokens (groups ``1..K``); the head
    maps them to the target and averages the loss over those tokens, i.e. the
    negative log-likelihood of eq. 5's group chain (Gaussian for pixels,
    categorical for ids).

    ============  =================  ==================  ==================
    variant       backbone input     head                tokenizer
    ============  =================  ==================  ==================
    p2p           pixels             ``GVPPixelHead``    none
    p2d           pixels             ``GVPTokenHead``    targets
    d2d           ids (vocab_size)   ``GVPTokenHead``    inputs and targets
    ============  =================  ==================  ==================

    Args:
        tokenizer (dict, optional): a ``VQGANTokenizer`` with its
            checkpoint; built frozen. Its downsampling factor must equal the
            backbone's ``patch_size`` so ids and tokens share one grid. It
            runs once per step: the same ids are the d2d input and target.
    """

    def __init__(self, backbone: dict, head: dict,
                 tokenizer: Optional[dict] = None, **kwargs):
        super().__init__(backbone=backbone, head=head, **kwargs)
        self.tokenizer = None
        if tokenizer is not None:
            self.tokenizer = MODELS.build(dict(tokenizer, frozen=True))
        self._check_shapes()
        self._check_variant()

    def _check_shapes(self):
        """Backbone, head and data preprocessor must agree on width, patch
        size and channels (otherwise the first step fails deep in torch)."""
        backbone, head = self.backbone, self.head
        predictor = getattr(head, 'predictor', None)
        if isinstance(predictor, nn.Linear) and \
                predictor.in_features != backbone.embed_dims:
            raise ValueError(
                f'head.embed_dims={predictor.in_features} but the backbone '
                f'is {backbone.embed_dims} wide: set model.head.embed_dims='
                f'{backbone.embed_dims}')
        if head.target != 'pixels':
            return
        if head.patch_size != backbone.patch_size:
            raise ValueError(
                f'head.patch_size={head.patch_size} but backbone.patch_size='
                f'{backbone.patch_size}: the head predicts the pixels of one '
                f'token; set model.head.patch_size={backbone.patch_size}')
        proj = getattr(backbone.patch_embed, 'projection', None)
        channels = getattr(proj, 'in_channels', head.in_channels)
        if head.in_channels != channels:
            raise ValueError(
                f'head.in_channels={head.in_channels} but the backbone takes '
                f'{channels}-channel images: set model.head.in_channels='
                f'{channels}')
        mean = getattr(self.data_preprocessor, 'mean', None)
        if isinstance(mean, Tensor) and mean.numel() not in (1, channels):
            raise ValueError(
                f'data_preprocessor mean/std have {mean.numel()} values but '
                f'the backbone takes {channels} channels: give one per '
                'channel')

    def _check_variant(self):
        needs_ids = self.head.target == 'ids' or self.backbone.takes_ids
        if not needs_ids:
            return
        tok = self.tokenizer
        if tok is None:
            raise ValueError(
                'this GVP variant (token head or d2d input) needs ids: give '
                'model.tokenizer=dict(type="VQGANTokenizer", checkpoint=...).')
        if tok.stride != self.backbone.patch_size:
            raise ValueError(
                f'tokenizer downsamples by f={tok.stride} but the backbone '
                f'patch_size is {self.backbone.patch_size}: ids and tokens '
                f'must share one grid; set patch_size={tok.stride} or use a '
                f'tokenizer with len(ch_mult) - 1 = log2(patch_size).')
        for what, n in (('head.num_codes',
                         getattr(self.head, 'num_codes', None)),
                        ('backbone.vocab_size', self.backbone.vocab_size)):
            if n is not None and n != tok.num_codes:
                raise ValueError(f'{what}={n} but the tokenizer has '
                                 f'{tok.num_codes} codes; set them equal.')

    def to_unit_range(self, inputs: Tensor) -> Tensor:
        """Undo the data preprocessor: ``[B, C, H, W]`` -> ``[0, 1]``."""
        pre = self.data_preprocessor
        if getattr(pre, '_enable_normalize', False):
            return unit_range(inputs, pre.mean[None], pre.std[None])
        return (inputs / 255.).clamp(0, 1)

    def tokenize(self, inputs: Tensor) -> Tensor:
        """Normalised images ``[B, C, H, W]`` -> ids ``[B, H / f, W / f]``."""
        return self.tokenizer.encode_ids(self.to_unit_range(inputs))

    def generate(self, inputs: Tensor, ranks: Optional[Tensor] = None,
                 mask_ratio: float = 0.75, num_groups: int = 8,
                 one_shot: bool = False, temperature: float = 0.,
                 generator=None) -> Generated:
        """Reconstruct the masked part of normalised ``inputs``: group by
        group (default) or in one shot. ``ranks [B, T]`` is the plan
        (0 = visible); by default :func:`reveal_plan` with ``mask_ratio``
        and ``num_groups``. See :mod:`.generation`."""
        if ranks is None:
            grid = self.backbone.patch_resolution
            ranks = reveal_plan(inputs.shape[0], grid[0] * grid[1],
                                mask_ratio, num_groups, device=inputs.device,
                                generator=generator)
        if self.backbone.takes_ids and self.head.target == 'ids':
            return generate_ids(self, inputs, ranks, one_shot, temperature,
                                generator)
        if self.head.target == 'pixels':
            return generate_pixels(self, inputs, ranks, one_shot)
        raise NotImplementedError(
            'generation feeds predictions back as inputs: defined for p2p '
            '(pixels -> pixels) and d2d (ids -> ids), not p2d.')

    def loss(self, inputs: Tensor, data_samples: List[DataSample],
             **kwargs) -> Dict[str, Tensor]:
        ids = self.tokenize(inputs) if self.tokenizer is not None else None
        out = self.backbone(ids if self.backbone.takes_ids else inputs)
        target = ids.flatten(1) if self.head.target == 'ids' else inputs
        return dict(loss=self.head.loss(out, target))
