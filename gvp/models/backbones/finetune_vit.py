"""The fine-tune role: a plain ViT (no mask) with GVP's condition tokens,
windowed attention for dense tasks and activation checkpointing."""
from typing import Sequence, Tuple

import torch
from torch import Tensor

from gvp.registry import MODELS
from .base_vit import GVPViTBase


@MODELS.register_module()
class GVPFinetuneViT(GVPViTBase, role_default=True):
    """mmpretrain's plain ViT forward and outputs (``out_indices``,
    ``out_type``; dense tasks use ``out_type='featmap'``), with the ``S``
    y_extra condition tokens before the image tokens, or windowed attention
    (ViTDet).

    Args:
        window_size (int): blocks not in ``global_attn_indices`` attend
            within non-overlapping ``window_size``-token squares (ViTDet;
            zero-padded to a multiple, no relative position bias).
            0: global attention everywhere. Needs no condition tokens.
        global_attn_indices (Sequence[int]): blocks that stay global.
        **kwargs: :class:`~.base_vit.GVPViTBase` arguments.
    """

    role = 'finetune'
    #: new in fine-tuning, in no pretraining file: the norm of the pooled
    #: feature (``out_type='avg_featmap'``; MAE's ``fc_norm``)
    fresh_keys = ('ln2.weight', 'ln2.bias')

    def __init__(self,
                 window_size: int = 0,
                 global_attn_indices: Sequence[int] = (),
                 **kwargs):
        super().__init__(**kwargs)
        if window_size and (self.cls_token is not None
                            or self.y_extra is not None):
            raise ValueError(
                'window_size is for dense fine-tuning: with_cls_token=False '
                'and no y_extra (condition tokens have no window).')
        self.window_size = window_size
        self.global_attn_indices = tuple(i % self.num_layers
                                         for i in global_attn_indices)

    def forward(self, x) -> Tuple[Tensor, ...]:
        """``x [B, C, H, W]`` (or a step) -> mmpretrain's tuple of
        ``out_indices`` outputs."""
        if isinstance(x, Tensor) and self.y_extra is None and \
                not self.window_size and not self.with_cp:
            return super().forward(x)
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
                outs.append(h if self.out_type ==
                            'raw' else self._format_output(tokens, hw))
        return tuple(outs)


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
