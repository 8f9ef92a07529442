"""Simple feature pyramid for plain ViT backbones (Li et al. 2021, ViTDet).

mmdet 3.3.0's wheel ships neither ``SimpleFPN`` nor ``LN2d`` (they live in
its repository's ``projects/``), so they are here, registered in the gvp
scope (``type='gvp.SimpleFPN'`` from mmdet configs).
"""
from typing import List, Sequence

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor, nn

from gvp.registry import MODELS


@MODELS.register_module()
class LN2d(nn.Module):
    """LayerNorm over the channels of ``[B, C, H, W]``."""

    def __init__(self, num_channels: int, eps: float = 1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(num_channels))
        self.bias = nn.Parameter(torch.zeros(num_channels))
        self.eps = eps

    def forward(self, x: Tensor) -> Tensor:
        mean = x.mean(1, keepdim=True)
        var = (x - mean).pow(2).mean(1, keepdim=True)
        x = (x - mean) / (var + self.eps).sqrt()
        return self.weight[:, None, None] * x + self.bias[:, None, None]


def _conv_ln(cin: int, cout: int, k: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, k, padding=k // 2, bias=False),
                         LN2d(cout))


@MODELS.register_module()
class SimpleFPN(BaseModule):
    """One stride-16 map ``[B, C, H/16, W/16]`` -> ``num_outs`` maps of
    ``out_channels`` at strides 4, 8, 16, 32 (64, ...): two deconvolutions,
    one, identity, max-pool; then 1x1 and 3x3 convs with LN2d per level and
    extra levels by stride-2 max-pooling the last.

    Args:
        backbone_channel (int): ``C``.
        out_channels (int): output width of every level.
        num_outs (int): levels returned (>= 4).
        in_index (int): which backbone output to use (default the last).
    """

    def __init__(self, backbone_channel: int, out_channels: int = 256,
                 num_outs: int = 5, in_index: int = -1, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if num_outs < 4:
            raise ValueError(f'num_outs must be >= 4, got {num_outs}')
        c = backbone_channel
        self.in_index = in_index
        self.num_outs = num_outs
        self.fpn1 = nn.Sequential(
            nn.ConvTranspose2d(c, c // 2, 2, 2), LN2d(c // 2), nn.GELU(),
            nn.ConvTranspose2d(c // 2, c // 4, 2, 2))
        self.fpn2 = nn.ConvTranspose2d(c, c // 2, 2, 2)
        self.fpn3 = nn.Identity()
        self.fpn4 = nn.MaxPool2d(2, 2)
        widths: Sequence[int] = (c // 4, c // 2, c, c)
        self.lateral_convs = nn.ModuleList(
            _conv_ln(w, out_channels, 1) for w in widths)
        self.fpn_convs = nn.ModuleList(
            _conv_ln(out_channels, out_channels, 3) for _ in widths)

    def forward(self, inputs) -> tuple:
        x = inputs[self.in_index]
        levels: List[Tensor] = [
            f(x) for f in (self.fpn1, self.fpn2, self.fpn3, self.fpn4)
        ]
        outs = [
            fpn(lat(level)) for level, lat, fpn in zip(
                levels, self.lateral_convs, self.fpn_convs)
        ]
        while len(outs) < self.num_outs:
            outs.append(F.max_pool2d(outs[-1], 1, stride=2))
        return tuple(outs)
