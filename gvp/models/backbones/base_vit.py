"""What every GVP backbone shares (docs/design.md §4).

A subclass of mmpretrain's ``VisionTransformer``: same parameter names, so
weights move between the roles -- pretraining (:class:`GVPViT` and the
variants of its kind, :class:`GVPSingleStreamViT`), probing
(:class:`GVPProbeViT`), fine-tuning (:class:`GVPFinetuneViT`) -- and into
mmpretrain's ViT by renaming alone. Each class declares its ``role``; a
config of one role becomes another's by :func:`~.roles.backbone_for_role`.
It adds:

* the input embedding in the ``patch_embed`` slot (``input_embed``: pixels
  by default, tokenizer ids for d2d; :mod:`.inputs`);
* the condition tokens ``y``: the class token, or with ``y_extra`` pooled
  tokenizer features (appendix E);
* the two-stream forward of every layer (:class:`TwoStreamLayer`, the same
  module and weights), packed-row execution of the blocks, activation
  checkpointing (``with_cp``) and freezing by ``frozen_stages``.
"""
import inspect
from typing import Dict, Optional, Sequence, Tuple

import torch
from mmpretrain.models import VisionTransformer
from mmpretrain.models.utils import (build_2d_sincos_position_embedding,
                                     resize_pos_embed)
from torch import Tensor, nn

from gvp.registry import MODELS
from ..algorithms.step import StepInputs, as_step
from ..masking import full_ranks
from .inputs import PixelEmbedding
from .token_layout import TokenLayout
from .two_stream_block import TwoStreamLayer


class GVPViTBase(VisionTransformer):
    """Base of the GVP backbones (not registered: pick a role).

    Args:
        arch (str | dict): mmpretrain ViT archs plus ``'tiny'`` (192 wide,
            12 layers, 3 heads), or a dict as mmpretrain's.
        input_embed (dict, optional): a registered input embedding
            (:mod:`.inputs`) in place of the pixel patch embedding, e.g.
            ``dict(type='IdEmbedding', vocab_size=1024)`` for d2d
            (``patch_size`` is then the tokenizer's downsampling factor).
            ``None``: pixels (mmpretrain's ``PatchEmbed``).
        y_extra (dict, optional): a condition module (``TokenizerCondition``)
            whose ``S`` tokens replace the class token (appendix E).
        with_cls_token (bool, optional): defaults to ``y_extra is None``.
        out_type (str, optional): defaults to ``'cls_token'``, or
            ``'avg_featmap'`` without a class token.
        with_cp (bool): activation checkpointing of every block (both
            streams, and the plain forward): activations are recomputed in
            the backward pass instead of stored (ViT-L/H memory).
        frozen_stages (int): mmpretrain's: freeze the stem and the first
            ``frozen_stages`` blocks; ``>= num_layers`` freezes everything
            (the final norm and ``y_extra`` included): linear probing.
        **kwargs: mmpretrain ``VisionTransformer`` arguments.

    Attributes:
        role (str): what the class is for -- ``'pretrain'`` (returns a
            ``TwoStreamOutput``), ``'probe'`` or ``'finetune'``; declared by
            each class. The class a role converts *to* is the one declared
            with ``role_default=True``.
    """
    role: Optional[str] = None
    _role_default: Dict[str, type] = {}
    arch_zoo = {
        **VisionTransformer.arch_zoo,
        **dict.fromkeys(
            ['t', 'tiny'], {
                'embed_dims': 192,
                'num_layers': 12,
                'num_heads': 3,
                'feedforward_channels': 768
            }),
    }

    def __init__(self,
                 arch='base',
                 img_size=224,
                 patch_size=16,
                 input_embed: Optional[dict] = None,
                 y_extra: Optional[dict] = None,
                 with_cls_token: Optional[bool] = None,
                 out_type: Optional[str] = None,
                 with_cp: bool = False,
                 norm_cfg=dict(type='LN', eps=1e-6),
                 **kwargs):
        with_cls_token, out_type = _condition_args(
            img_size, patch_size, y_extra, with_cls_token, out_type)
        super().__init__(
            arch=arch,
            img_size=img_size,
            patch_size=patch_size,
            with_cls_token=with_cls_token,
            out_type=out_type,
            norm_cfg=norm_cfg,
            **kwargs)
        self.patch_size = patch_size
        self.with_cp = with_cp
        for layer in self.layers:
            # the same module with a two-stream forward (no new parameters)
            layer.__class__ = TwoStreamLayer
        self._build_inputs(input_embed, y_extra)
        if self.frozen_stages > 0:  # again: y_extra exists now
            self._freeze_stages()

    def _build_inputs(self, input_embed: Optional[dict],
                      y_extra: Optional[dict]) -> None:
        """The input embedding in the ``patch_embed`` slot and the
        ``y_extra`` condition, both given the backbone's width."""
        if input_embed is None:
            # pixels: mmpretrain built the PatchEmbed (``patch_cfg``); the
            # same module, with the input-embedding interface
            self.patch_embed.__class__ = PixelEmbedding
        else:
            self.patch_embed = MODELS.build(
                input_embed,
                default_args=dict(
                    embed_dims=self.embed_dims, grid=self.patch_resolution))
        self.y_extra = None
        if y_extra is not None and not isinstance(self.patch_embed,
                                                  PixelEmbedding):
            raise ValueError(
                'y_extra pools tokenizer features of the *pixels*; a '
                f'backbone with input_embed={input_embed} receives none. '
                'Use y_extra with pixel input (p2p/p2d).')
        if y_extra is not None:
            self.y_extra = MODELS.build(
                y_extra, default_args=dict(embed_dims=self.embed_dims))

    def __init_subclass__(cls, role_default: bool = False, **kwargs):
        super().__init_subclass__(**kwargs)
        if role_default:
            GVPViTBase._role_default[cls.role] = cls

    @classmethod
    def role_class(cls, role: str) -> type:
        """The class a backbone of another role becomes for ``role``."""
        if role not in cls._role_default:
            raise ValueError(f'role {role!r}: use one of '
                             f'{tuple(cls._role_default)}')
        return cls._role_default[role]

    @classmethod
    def own_args(cls) -> Tuple[str, ...]:
        """The constructor arguments of this class and its bases below
        :class:`GVPViTBase` (what only this kind of backbone takes)."""
        shared = set(inspect.signature(VisionTransformer).parameters) | set(
            inspect.signature(GVPViTBase).parameters)
        own = []
        for klass in cls.__mro__[:cls.__mro__.index(GVPViTBase)]:
            for name, p in inspect.signature(klass).parameters.items():
                if p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL) or \
                        name in shared or name in own:
                    continue
                own.append(name)
        return tuple(own)

    @property
    def in_channels(self) -> Optional[int]:
        """Image channels the pixel embedding reads (``None`` for ids)."""
        proj = getattr(self.patch_embed, 'projection', None)
        return getattr(proj, 'in_channels', None)

    @property
    def reads(self) -> str:
        """The form of a step its input embedding reads (``'images'`` or
        ``'ids'``; :class:`~gvp.models.algorithms.step.StepInputs`)."""
        return self.patch_embed.reads

    def as_step(self, x) -> StepInputs:
        """``x`` (a step, or a bare tensor: normalised images or ids) as a
        step; a bare tensor's normalisation for ``y_extra`` is the
        condition's own (downstream use, where no algorithm gives one)."""
        norm = (self.y_extra.mean, self.y_extra.std) \
            if self.y_extra is not None else (None, None)
        return as_step(x, self.reads, *norm)

    @property
    def num_cond_tokens(self) -> int:
        """``S``: the condition tokens ``y`` (class token or y_extra)."""
        if self.y_extra is not None:
            return self.y_extra.num_tokens
        return self.num_extra_tokens

    def _init_pretraining(self, drop_path_rate: float,
                          mask_generator: Optional[dict]) -> None:
        """What every pretraining backbone checks and builds (after
        ``__init__``): no drop path, and the plan (:meth:`_init_plan`)."""
        if drop_path_rate > 0:
            raise ValueError(
                'drop_path_rate must be 0 for pretraining (tokens are '
                'packed, per-sample drop path is undefined); set it for '
                'fine-tuning only.')
        self._init_plan(mask_generator)

    def _init_plan(self, mask_generator: Optional[dict]) -> None:
        """What every masked backbone (pretraining, probe) checks and builds:
        a condition token, the plan generator validated on the patch
        grid."""
        if self.num_cond_tokens < 1:
            raise ValueError(
                'GVP needs at least one condition token (S >= 1) so that '
                'every row of the causal masks sees a key: set '
                'with_cls_token=True (or give y_extra).')
        self.mask_generator = build_plan_generator(mask_generator,
                                                   self.patch_resolution)

    def sample_ranks(self, batch_size: int, grid, device) -> Tensor:
        """Image-token ranks ``[B, T]`` of a plan of the mask generator."""
        return self.mask_generator(batch_size, grid, device).ranks

    def plan(self, h0: Tensor, hw, ranks: Optional[Tensor] = None):
        """``(ranks [B, T], rank [B, S + T])``: the plan (``ranks`` given,
        else :meth:`sample_ranks`), and its ranks with the ``S`` condition
        tokens' (0) prepended (eq. 9)."""
        if ranks is None:
            ranks = self.sample_ranks(h0.shape[0], hw, h0.device)
        return ranks, full_ranks(ranks, self.num_cond_tokens)

    def _from_pretrained(self) -> bool:
        return isinstance(self.init_cfg, dict) and \
            self.init_cfg.get('type') == 'Pretrained'

    def init_weights(self):
        """MAE's initialisation (after mmpretrain's): fixed 2-D sin-cos
        position embedding, small normal condition tokens; or, for
        ``init_cfg=dict(type='Pretrained', checkpoint=..., prefix=...)``,
        the file through :func:`~.convert.load_backbone`: any layout it
        reads (gvp, mmpretrain, timm, official MAE, Hugging Face), refused
        naming what does not fit (mmengine's own loader loads a partial
        fit with a warning only)."""
        if self._from_pretrained():
            from .convert import PREFIX, load_backbone
            cfg, self.init_cfg = self.init_cfg, None
            try:
                super().init_weights()  # the parts the file does not hold
                load_backbone(self, cfg['checkpoint'],
                              cfg.get('prefix') or PREFIX)
            finally:
                self.init_cfg = cfg
            return
        super().init_weights()
        pos = build_2d_sincos_position_embedding(
            self.patch_resolution, self.embed_dims, cls_token=False)
        self.pos_embed.data[:, self.num_extra_tokens:].copy_(pos[0])
        self.pos_embed.data[:, :self.num_extra_tokens].zero_()
        if self.cls_token is not None:
            nn.init.normal_(self.cls_token, std=.02)

    def _freeze_stages(self):
        """mmpretrain's freezing, with ``frozen_stages`` above the depth
        meaning all blocks, and the ``y_extra`` projection frozen with the
        stem."""
        self.frozen_stages = min(self.frozen_stages, len(self.layers))
        super()._freeze_stages()
        if getattr(self, 'y_extra', None) is not None:
            self.y_extra.requires_grad_(False)

    def embed(self, x):
        """A step, or a bare tensor (normalised images ``[B, C, H, W]``, ids
        ``[B, h, w]``) -> content-stream start ``H^(0) [B, S + T, D]``, the
        position embedding ``[1, S + T, D]`` (zero on y_extra slots) and the
        grid ``(h, w)``. The input embedding reads its form of the step,
        ``y_extra`` its ``[0, 1]`` images."""
        step = self.as_step(x)
        tokens, hw = self.patch_embed(step.form(self.reads))
        pos = resize_pos_embed(self.pos_embed, self.patch_resolution, hw,
                               self.interpolate_mode, self.num_extra_tokens)
        if self.y_extra is not None:
            # [B, S, D], slot embedding included
            cond = self.y_extra(step.unit_images)
            pos = torch.cat(
                [pos.new_zeros(1, cond.shape[1], pos.shape[2]), pos], dim=1)
        elif self.cls_token is not None:
            cond = self.cls_token.expand(tokens.shape[0], -1, -1)
        else:  # dense fine-tuning without condition tokens
            cond = tokens[:, :0]
        h0 = self.drop_after_pos(torch.cat([cond, tokens], dim=1) + pos)
        return self.pre_norm(h0), pos, hw

    def _blocks(self, h0: Tensor, g0: Tensor, layout: TokenLayout,
                last_queries_only: bool = False, query_from: int = 0):
        """Yields ``(i, rows)`` after each block ``i`` on the packed
        ``[H; G]`` rows; the final norm is applied after the last block
        (as mmpretrain's ViT). ``last_queries_only``: the last block computes
        (and yields) the query-stream rows alone. ``query_from``: the query
        stream enters at this block (blocks before it run the content rows
        alone; ``g0`` then meets the content stream of that depth)."""
        dims = h0.shape[-1]
        content = h0.reshape(-1, dims)[layout.content_src]
        queries = g0.reshape(-1, dims)[layout.query_src]
        rows = content if query_from > 0 else torch.cat([content, queries])
        alone = layout.content_only() if query_from > 0 else layout
        last = len(self.layers) - 1
        for i, layer in enumerate(self.layers):
            if 0 < query_from == i:
                rows = torch.cat([rows, queries])
            rows = self._checkpointed(layer, rows,
                                      layout if i >= query_from else alone,
                                      last_queries_only and i == last)
            if i == last and self.final_norm:
                rows = self.ln1(rows)
            yield i, rows

    def _checkpointed(self, fn, *args):
        """``fn(*args)``, recomputed in the backward pass when ``with_cp``
        (training with gradients only)."""
        if self.with_cp and self.training and torch.is_grad_enabled():
            return torch.utils.checkpoint.checkpoint(
                fn, *args, use_reentrant=False)
        return fn(*args)

    def get_layer_depth(self, param_name: str, prefix: str = ''):
        """As mmpretrain's ViT; the query start vector ``w`` and the
        y_extra projection are stem parameters (depth 0)."""
        name = param_name[len(prefix):] if param_name.startswith(
            prefix) else None
        if name == 'query_token' or (name or '').startswith('y_extra.'):
            return 0, self.num_layers + 2
        return super().get_layer_depth(param_name, prefix)


def build_plan_generator(cfg: Optional[dict], grid: Sequence[int]):
    """The mask generator of ``cfg`` (default mixed length, K = 20),
    validated on the patch grid at build time."""
    generator = MODELS.build(cfg or dict(type='MixedLengthMaskGenerator'))
    generator.validate(grid)
    return generator


def _condition_args(img_size, patch_size, y_extra, with_cls_token,
                    out_type):
    """``(with_cls_token, out_type)`` after checking the grid and the
    condition: ``y_extra`` replaces the class token (appendix E)."""
    for size in _pair(img_size):
        if size % patch_size:
            raise ValueError(
                f'img_size {img_size} is not divisible by patch_size '
                f'{patch_size}: choose an img_size that is a multiple of '
                f'{patch_size} (and resize/crop to it in the pipeline).')
    if y_extra is not None and with_cls_token:
        raise ValueError(
            'y_extra replaces the class token (appendix E): drop '
            'with_cls_token=True, or drop y_extra to keep the class token.')
    if with_cls_token is None:
        with_cls_token = y_extra is None
    if out_type is None:
        out_type = 'cls_token' if with_cls_token else 'avg_featmap'
    return with_cls_token, out_type


def _pair(size) -> Sequence[int]:
    return (size, size) if isinstance(size, int) else tuple(size)
