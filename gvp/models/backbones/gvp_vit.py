"""GVP's two-stream ViT backbone (docs/design.md §3–4).

A subclass of mmpretrain's ``VisionTransformer``: same parameter names, same
plain forward. Finetune weights therefore load into mmpretrain's ViT after
renaming alone (``tools/model_converters/gvp2vit.py``). It adds the query
stream's learnable start vector ``w`` (``query_token``) and three modes:

* ``pretrain``: both streams on a plan from the mask generator; returns the
  query-stream features of the tokens that carry a loss (rank >= 1).
* ``probe``: content stream only, causal mask kept (paper §5); returns the
  mean of the image tokens, ``[B, D]``, after the blocks of ``out_indices``
  (default the last, after the final norm).
* ``finetune``: no mask — mmpretrain's plain ViT forward, ``out_indices``
  and ``out_type`` as there (dense tasks use ``out_type='featmap'``).

Inputs (paper §5): pixels through the linear patch embedding (p2p, p2d) or,
with ``vocab_size`` set, tokenizer ids ``[B, h, w]`` through a token
embedding (d2d). Condition tokens ``y``: the class token, or with
``y_extra`` pooled tokenizer features (appendix E).
"""
from typing import NamedTuple, Optional, Sequence

import torch
from mmpretrain.models import VisionTransformer
from mmpretrain.models.utils import (build_2d_sincos_position_embedding,
                                     resize_pos_embed)
from torch import Tensor, nn

from gvp.registry import MODELS
from ..masking import full_ranks
from .token_embed import TokenEmbedding
from .token_layout import TokenLayout, build_layout
from .two_stream_block import TwoStreamLayer

MODES = ('pretrain', 'probe', 'finetune')


class TwoStreamOutput(NamedTuple):
    """Pretrain-mode output: one row per predicted token (rank >= 1).

    Attributes:
        feats (Tensor): ``[N, D]`` query-stream features after the final norm.
        batch_idx (Tensor): ``[N]`` sample of each row.
        token_idx (Tensor): ``[N]`` image-token index ``0..T-1`` of each row.
        rank (Tensor): ``[N]`` group ``k >= 1`` of each row.
        ranks (Tensor): ``[B, T]`` the plan's per-token ranks.
    """
    feats: Tensor
    batch_idx: Tensor
    token_idx: Tensor
    rank: Tensor
    ranks: Tensor


@MODELS.register_module()
class GVPViT(VisionTransformer):
    """Two-stream ViT with universal causal masks.

    Args:
        arch (str | dict): mmpretrain ViT archs plus ``'tiny'`` (192 wide,
            12 layers, 3 heads), or a dict as mmpretrain's.
        mode (str): ``'pretrain'``, ``'probe'`` or ``'finetune'``.
        mask_generator (dict): a registered generator (``'pretrain'`` and
            ``'probe'``); default mixed length, K = 20 (paper §3.2).
        prune (bool): skip work no loss depends on (docs/design.md §3): content
            tokens of the last rank and query rows of rank 0. ``False`` runs
            both streams on all ``S + T`` tokens; results are equal.
        probe_seed (int): in ``probe`` mode at eval, one plan drawn with this
            seed serves every sample, so features are deterministic.
        probe_mask (bool): ``probe`` mode keeps the causal mask ``M_h`` of a
            plan (paper §5, default); ``False`` lets every token see all.
            The backbone is frozen in ``probe`` mode (linear probing).
        vocab_size (int, optional): d2d: the input is tokenizer ids
            ``[B, img_size / patch_size, ...]`` with this many codes, and
            ``patch_size`` is the tokenizer's downsampling factor.
        y_extra (dict, optional): a condition module (``TokenizerCondition``)
            whose ``S`` tokens replace the class token (appendix E).
        with_cls_token (bool, optional): defaults to ``y_extra is None``.
        out_type (str, optional): finetune output; defaults to
            ``'cls_token'``, or ``'avg_featmap'`` with ``y_extra``.
        window_size (int): finetune (dense) only: blocks not in
            ``global_attn_indices`` attend within non-overlapping
            ``window_size``-token squares (ViTDet; zero-padded to a multiple,
            no relative position bias). 0: global attention everywhere.
        global_attn_indices (Sequence[int]): blocks that stay global.
        with_cp (bool): activation checkpointing of every block (both
            streams, and the plain forward): activations are recomputed in
            the backward pass instead of stored (ViT-L/H memory).
        **kwargs: mmpretrain ``VisionTransformer`` arguments.

    ``pos_embed`` starts from MAE's fixed 2-D sin-cos table and is trained.
    The query stream starts from ``G^(0)_i = w + E_pos,i``: the paper writes
    ``G^(0) = [w; ...; w]``, but with absolute position embeddings that leaves
    every query of a group identical and blind to the token it predicts
    (XLNet gets the position through relative attention, SAIM uses the
    position embedding alone).
    """
    arch_zoo = {
        **VisionTransformer.arch_zoo,
        **dict.fromkeys(['t', 'tiny'], {
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
                 mode: str = 'pretrain',
                 mask_generator: Optional[dict] = None,
                 prune: bool = True,
                 probe_seed: int = 0,
                 probe_mask: bool = True,
                 vocab_size: Optional[int] = None,
                 y_extra: Optional[dict] = None,
                 with_cls_token: Optional[bool] = None,
                 out_type: Optional[str] = None,
                 window_size: int = 0,
                 global_attn_indices: Sequence[int] = (),
                 with_cp: bool = False,
                 norm_cfg=dict(type='LN', eps=1e-6),
                 drop_path_rate: float = 0.,
                 **kwargs):
        if mode not in MODES:
            raise ValueError(f'Unknown mode {mode!r}: use one of {MODES}')
        for size in _pair(img_size):
            if size % patch_size:
                raise ValueError(
                    f'img_size {img_size} is not divisible by patch_size '
                    f'{patch_size}: choose an img_size that is a multiple of '
                    f'{patch_size} (and resize/crop to it in the pipeline).')
        if y_extra is not None and with_cls_token:
            raise ValueError(
                'y_extra replaces the class token (appendix E): drop '
                'with_cls_token=True, or drop y_extra to keep the class '
                'token.')
        if with_cls_token is None:
            with_cls_token = y_extra is None
        if out_type is None:
            out_type = 'cls_token' if with_cls_token else 'avg_featmap'
        if mode != 'finetune' and not (with_cls_token or y_extra):
            raise ValueError(
                'GVP needs at least one condition token (S >= 1) so that '
                'every row of the causal masks sees a key: set '
                'with_cls_token=True (or give y_extra).')
        if window_size and (mode != 'finetune' or with_cls_token or
                            y_extra is not None):
            raise ValueError(
                'window_size is for dense fine-tuning: mode="finetune" with '
                'with_cls_token=False and no y_extra (condition tokens have '
                'no window).')
        if vocab_size is not None and y_extra is not None:
            raise ValueError(
                'y_extra pools tokenizer features of the *pixels*; a d2d '
                'backbone (vocab_size set) receives ids only. Use y_extra '
                'with pixel input (p2p/p2d).')
        if mode == 'pretrain' and drop_path_rate > 0:
            raise ValueError(
                'drop_path_rate must be 0 in pretrain mode (tokens are '
                'packed, per-sample drop path is undefined); set it for '
                'fine-tuning only.')
        super().__init__(
            arch=arch,
            img_size=img_size,
            patch_size=patch_size,
            with_cls_token=with_cls_token,
            out_type=out_type,
            norm_cfg=norm_cfg,
            drop_path_rate=drop_path_rate,
            **kwargs)
        self.mode = mode
        self.prune = prune
        self.probe_seed = probe_seed
        self.probe_mask = probe_mask
        self.patch_size = patch_size
        self.vocab_size = vocab_size
        self.window_size = window_size
        self.with_cp = with_cp
        for layer in self.layers:
            # the same module with a two-stream forward (no new parameters)
            layer.__class__ = TwoStreamLayer
        self.global_attn_indices = tuple(
            i % self.num_layers for i in global_attn_indices)
        if vocab_size is not None:
            # d2d: ids in; the pixel patch embedding would be dead weight
            self.patch_embed = TokenEmbedding(vocab_size, self.embed_dims,
                                              self.patch_resolution)
        self.y_extra = None
        if y_extra is not None:
            self.y_extra = MODELS.build(
                y_extra, default_args=dict(embed_dims=self.embed_dims))
        num_patches = self.patch_resolution[0] * self.patch_resolution[1]
        self.mask_generator = None
        if mode != 'finetune':
            self.mask_generator = MODELS.build(
                mask_generator or dict(type='MixedLengthMaskGenerator'))
            self.mask_generator.validate(num_patches)
            self.query_token = nn.Parameter(torch.zeros(1, 1,
                                                        self.embed_dims))
        if mode == 'probe':
            # linear probing: the backbone is a fixed feature extractor
            self.requires_grad_(False)

    @property
    def num_cond_tokens(self) -> int:
        """``S``: the condition tokens ``y`` (class token or y_extra)."""
        if self.y_extra is not None:
            return self.y_extra.num_tokens
        return self.num_extra_tokens

    @property
    def takes_ids(self) -> bool:
        """d2d: the input is tokenizer ids, not pixels."""
        return self.vocab_size is not None

    def init_weights(self):
        super().init_weights()
        if isinstance(self.init_cfg, dict) and \
                self.init_cfg.get('type') == 'Pretrained':
            return
        # MAE's initialisation: fixed 2-D sin-cos position embedding,
        # small normal condition/query tokens.
        pos = build_2d_sincos_position_embedding(
            self.patch_resolution, self.embed_dims, cls_token=False)
        self.pos_embed.data[:, self.num_extra_tokens:].copy_(pos[0])
        self.pos_embed.data[:, :self.num_extra_tokens].zero_()
        if self.cls_token is not None:
            nn.init.normal_(self.cls_token, std=.02)
        if self.mask_generator is not None:
            nn.init.normal_(self.query_token, std=.02)

    # ------------------------------------------------------------------ #
    def embed(self, x: Tensor):
        """Image ``[B, C, H, W]`` (or ids ``[B, h, w]``) -> content-stream
        start ``H^(0) [B, S + T, D]``, the position embedding
        ``[1, S + T, D]`` (zero on y_extra slots) and the grid ``(h, w)``."""
        tokens, hw = self.patch_embed(x)
        pos = resize_pos_embed(self.pos_embed, self.patch_resolution, hw,
                               self.interpolate_mode, self.num_extra_tokens)
        if self.y_extra is not None:
            cond = self.y_extra(x)  # [B, S, D], slot embedding included
            pos = torch.cat([pos.new_zeros(1, cond.shape[1], pos.shape[2]),
                             pos], dim=1)
        elif self.cls_token is not None:
            cond = self.cls_token.expand(tokens.shape[0], -1, -1)
        else:  # dense fine-tuning without condition tokens
            cond = tokens[:, :0]
        h0 = self.drop_after_pos(torch.cat([cond, tokens], dim=1) + pos)
        return self.pre_norm(h0), pos, hw

    def sample_ranks(self, batch_size: int, num_tokens: int,
                     device) -> Tensor:
        """Per-token ranks ``[B, T]`` from the mask generator. In probe mode
        at eval one seeded plan is shared by all samples (determinism).
        A probe without mask puts every token in group 0: ``M_h`` is then
        all-true, i.e. full attention."""
        if self.mode == 'probe' and not self.probe_mask:
            return torch.zeros(batch_size, num_tokens, dtype=torch.long,
                               device=device)
        self.mask_generator.validate(num_tokens)
        if self.mode == 'probe' and not self.training:
            gen = torch.Generator(device=device).manual_seed(self.probe_seed)
            ranks = self.mask_generator(1, num_tokens, device, gen).ranks
            return ranks.expand(batch_size, -1)
        return self.mask_generator(batch_size, num_tokens, device).ranks

    def forward(self, x: Tensor, ranks: Optional[Tensor] = None):
        """``x [B, C, H, W]``; ``ranks [B, T]`` overrides the sampled plan.

        Returns a :class:`TwoStreamOutput` (pretrain), a tuple of ``[B, D]``
        (probe) or mmpretrain's tuple of ``out_indices`` outputs (finetune).
        """
        if self.mode == 'finetune':
            if self.y_extra is None and not self.window_size and \
                    not self.with_cp:
                return super().forward(x)
            return self.forward_plain(x)
        if self.mode == 'probe':
            return self.forward_probe(x, ranks)
        return self.forward_pretrain(x, ranks)

    def _run_layers(self, h0: Tensor, g0: Tensor,
                    layout: TokenLayout) -> Tensor:
        """All blocks on packed ``[H; G]`` rows, final norm applied."""
        for _, rows in self._blocks(h0, g0, layout):
            pass
        return rows

    def _blocks(self, h0: Tensor, g0: Tensor, layout: TokenLayout):
        """Yields ``(i, rows)`` after each block ``i`` on the packed
        ``[H; G]`` rows; the final norm is applied after the last block
        (as mmpretrain's ViT)."""
        dims = h0.shape[-1]
        rows = torch.cat([
            h0.reshape(-1, dims)[layout.content_src],
            g0.reshape(-1, dims)[layout.query_src]
        ])
        last = len(self.layers) - 1
        for i, layer in enumerate(self.layers):
            rows = self._checkpointed(layer, rows, layout)
            if i == last and self.final_norm:
                rows = self.ln1(rows)
            yield i, rows

    def _embed_and_rank(self, x: Tensor, ranks: Optional[Tensor]):
        """``H^(0)``, position embedding, image ranks ``[B, T]`` (sampled
        unless given) and full-sequence ranks ``[B, S + T]``."""
        h0, pos, _ = self.embed(x)
        if ranks is None:
            ranks = self.sample_ranks(
                h0.shape[0], h0.shape[1] - self.num_cond_tokens, x.device)
        return h0, pos, ranks, full_ranks(ranks, self.num_cond_tokens)

    def forward_pretrain(self, x: Tensor,
                         ranks: Optional[Tensor] = None) -> TwoStreamOutput:
        """Both streams (eq. 7) -> features of the predicted tokens."""
        h0, pos, ranks, rank = self._embed_and_rank(x, ranks)
        batch, seq_len, _ = h0.shape
        num_cond = self.num_cond_tokens
        if self.prune:
            # content tokens of the last rank are read by no row whose
            # output carries a loss; query rows of rank 0 carry none.
            content_keep = rank < rank.max(dim=1, keepdim=True).values
            query_keep = rank >= 1
        else:
            content_keep = query_keep = torch.ones_like(rank, dtype=torch.bool)
        layout = build_layout(rank, content_keep, query_keep)
        g0 = (self.query_token + pos).expand(batch, -1, -1)
        rows = self._run_layers(h0, g0, layout)[layout.num_content:]

        # keep rows that carry a loss (all of them when pruned)
        keep = layout.query_rank >= 1
        src = layout.query_src[keep]
        return TwoStreamOutput(
            feats=rows[keep],
            batch_idx=torch.div(src, seq_len, rounding_mode='floor'),
            token_idx=src % seq_len - num_cond,
            rank=layout.query_rank[keep],
            ranks=ranks)

    def forward_probe(self, x: Tensor, ranks: Optional[Tensor] = None):
        """Content stream with ``M_h`` kept -> the mean image token
        ``[B, D]`` after each block of ``out_indices`` (default: the last,
        after the final norm), as a tuple."""
        h0, _, _, rank = self._embed_and_rank(x, ranks)
        batch, seq_len, dims = h0.shape
        layout = build_layout(rank, torch.ones_like(rank, dtype=torch.bool),
                              torch.zeros_like(rank, dtype=torch.bool))
        outs = []
        # every token is kept, in order: packed rows are [B * L, D] as is
        for i, rows in self._blocks(h0, h0[:, :0], layout):
            if i in self.out_indices:
                tokens = rows.view(batch, seq_len, dims)
                outs.append(tokens[:, self.num_cond_tokens:].mean(dim=1))
            if i == max(self.out_indices):
                break  # later blocks feed no output
        return tuple(outs)

    def forward_plain(self, x: Tensor):
        """No mask: mmpretrain's forward and outputs (``out_indices``,
        ``out_type``) with the ``S`` y_extra condition tokens before the
        image tokens, or with windowed attention (ViTDet)."""
        h, _, hw = self.embed(x)
        num_cond = self.num_cond_tokens
        outs = []
        for i, layer in enumerate(self.layers):
            if self.window_size and i not in self.global_attn_indices:
                h = self._checkpointed(windowed, layer, h, hw,
                                       self.window_size)
            else:
                h = self._checkpointed(layer, h)
            if i == len(self.layers) - 1 and self.final_norm:
                h = self.ln1(h)
            if i in self.out_indices:
                # mmpretrain's formatting knows its own class token; the
                # y_extra condition tokens are dropped before it
                tokens = h if self.y_extra is None else h[:, num_cond:]
                outs.append(h if self.out_type == 'raw' else
                            self._format_output(tokens, hw))
        return tuple(outs)

    def _checkpointed(self, fn, *args):
        """``fn(*args)``, recomputed in the backward pass when ``with_cp``
        (training with gradients only)."""
        if self.with_cp and self.training and torch.is_grad_enabled():
            return torch.utils.checkpoint.checkpoint(fn, *args,
                                                     use_reentrant=False)
        return fn(*args)

    def get_layer_depth(self, param_name: str, prefix: str = ''):
        """As mmpretrain's ViT; the query start vector ``w`` and the
        y_extra projection are stem parameters (depth 0)."""
        name = param_name[len(prefix):] if param_name.startswith(
            prefix) else None
        if name == 'query_token' or (name or '').startswith('y_extra.'):
            return 0, self.num_layers + 2
        return super().get_layer_depth(param_name, prefix)


def windowed(layer, tokens: Tensor, hw, size: int) -> Tensor:
    """Run ``layer`` on non-overlapping ``size x size`` windows of
    ``tokens [B, h * w, D]`` (zero-padded to multiples of ``size``)."""
    b, _, d = tokens.shape
    h, w = hw
    x = tokens.view(b, h, w, d)
    ph, pw = (-h) % size, (-w) % size
    x = torch.nn.functional.pad(x, (0, 0, 0, pw, 0, ph))
    nh, nw = (h + ph) // size, (w + pw) // size
    x = x.view(b, nh, size, nw, size, d).permute(0, 1, 3, 2, 4, 5)
    x = layer(x.reshape(b * nh * nw, size * size, d))
    x = x.view(b, nh, nw, size, size, d).permute(0, 1, 3, 2, 4, 5)
    x = x.reshape(b, nh * size, nw * size, d)[:, :h, :w]
    return x.reshape(b, h * w, d)


def _pair(size) -> Sequence[int]:
    return (size, size) if isinstance(size, int) else tuple(size)
