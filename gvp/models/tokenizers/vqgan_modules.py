"""Encoder and decoder of MaskGIT's VQGAN, in the PyTorch layout of MAGE.

MaskGIT's tokenizer (the one MAGE converts to ``vqgan_jax_strongaug.ckpt``)
is a VQGAN without attention: residual blocks of GroupNorm -> swish -> 3x3
conv (no bias), average-pool downsampling (no parameters), nearest
upsampling followed by a 3x3 conv, and a 1x1 shortcut conv (no bias) where
the width changes. Parameter names follow taming-transformers
(``down.{i}.block.{j}``, ``mid.block_{1,2}``, ``up.{i}.upsample.conv``) as
MAGE's checkpoint does. Shapes: images ``[B, C, H, W]``; latents
``[B, z_channels, H / f, W / f]`` with ``f = 2 ** (len(ch_mult) - 1)``.
"""
from typing import Sequence

import torch.nn.functional as F
from torch import Tensor, nn


def group_norm(channels: int) -> nn.GroupNorm:
    return nn.GroupNorm(32 if channels % 32 == 0 else _groups(channels),
                        channels, eps=1e-6, affine=True)


def _groups(channels: int) -> int:
    # small test/demo widths: the largest divisor of C not above 32
    return max(g for g in range(1, 33) if channels % g == 0)


class ResnetBlock(nn.Module):
    """``x + conv(swish(norm(conv(swish(norm(x))))))``, 1x1 shortcut conv
    (no bias) when the width changes."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.norm1 = group_norm(in_channels)
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, padding=1,
                               bias=False)
        self.norm2 = group_norm(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1,
                               bias=False)
        if in_channels != out_channels:
            self.nin_shortcut = nn.Conv2d(in_channels, out_channels, 1,
                                          bias=False)

    def forward(self, x: Tensor) -> Tensor:
        h = self.conv1(F.silu(self.norm1(x)))
        h = self.conv2(F.silu(self.norm2(h)))
        if hasattr(self, 'nin_shortcut'):
            x = self.nin_shortcut(x)
        return x + h


class Upsample(nn.Module):
    """Nearest x2, then a 3x3 conv (with bias)."""

    def __init__(self, channels: int):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x: Tensor) -> Tensor:
        return self.conv(F.interpolate(x, scale_factor=2.0, mode='nearest'))


def _level(block_in: int, block_out: int, num_res_blocks: int) -> nn.Module:
    level = nn.Module()
    level.block = nn.ModuleList(
        ResnetBlock(block_in if j == 0 else block_out, block_out)
        for j in range(num_res_blocks))
    return level


def _mid(channels: int) -> nn.Module:
    mid = nn.Module()
    mid.block_1 = ResnetBlock(channels, channels)
    mid.block_2 = ResnetBlock(channels, channels)
    return mid


class Encoder(nn.Module):
    """``[B, in_channels, H, W]`` -> ``[B, z_channels, H / f, W / f]``."""

    def __init__(self, ch: int, ch_mult: Sequence[int], num_res_blocks: int,
                 in_channels: int, z_channels: int):
        super().__init__()
        self.conv_in = nn.Conv2d(in_channels, ch, 3, padding=1, bias=False)
        self.down = nn.ModuleList()
        block_in = ch
        for mult in ch_mult:
            self.down.append(_level(block_in, ch * mult, num_res_blocks))
            block_in = ch * mult
        self.mid = _mid(block_in)
        self.norm_out = group_norm(block_in)
        self.conv_out = nn.Conv2d(block_in, z_channels, 1)

    def forward(self, x: Tensor) -> Tensor:
        h = self.conv_in(x)
        for i, level in enumerate(self.down):
            for block in level.block:
                h = block(h)
            if i != len(self.down) - 1:
                h = F.avg_pool2d(h, 2, 2)  # MaskGIT: pooling, no conv
        h = self.mid.block_2(self.mid.block_1(h))
        return self.conv_out(F.silu(self.norm_out(h)))


class Decoder(nn.Module):
    """``[B, z_channels, h, w]`` -> ``[B, out_channels, h * f, w * f]``."""

    def __init__(self, ch: int, ch_mult: Sequence[int], num_res_blocks: int,
                 out_channels: int, z_channels: int):
        super().__init__()
        block_in = ch * ch_mult[-1]
        self.conv_in = nn.Conv2d(z_channels, block_in, 3, padding=1)
        self.mid = _mid(block_in)
        levels = []
        for i in reversed(range(len(ch_mult))):
            level = _level(block_in, ch * ch_mult[i], num_res_blocks)
            block_in = ch * ch_mult[i]
            if i != 0:
                level.upsample = Upsample(block_in)
            levels.insert(0, level)  # up[i] is level i, as in taming
        self.up = nn.ModuleList(levels)
        self.norm_out = group_norm(block_in)
        self.conv_out = nn.Conv2d(block_in, out_channels, 3, padding=1)

    def forward(self, z: Tensor) -> Tensor:
        h = self.mid.block_2(self.mid.block_1(self.conv_in(z)))
        for level in reversed(self.up):
            for block in level.block:
                h = block(h)
            if hasattr(level, 'upsample'):
                h = level.upsample(h)
        return self.conv_out(F.silu(self.norm_out(h)))
