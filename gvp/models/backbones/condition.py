"""``y_extra`` from tokenizer features (paper appendix E).

The frozen tokenizer's encoder sees the whole image; its features, average
pooled per image (``grid=1``) or per region (``grid=g``, ``S = g * g``), are
projected to the ViT width and become the ``S`` condition tokens ``y``. Every
token of both streams may attend to them (docs/design.md §2: condition
tokens have rank 0, the visible group's), in pretraining and in downstream
use. The tokenizer reads the step's ``[0, 1]`` images and runs without
gradient, so no pixel gradient flows through ``y``.
"""
from typing import Sequence

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor, nn

from gvp.registry import MODELS
from .inputs import channel_stats

IMAGENET_MEAN = (123.675, 116.28, 103.53)
IMAGENET_STD = (58.395, 57.12, 57.375)


@MODELS.register_module()
class TokenizerCondition(BaseModule):
    """Images in ``[0, 1]`` ``[B, C, H, W]`` -> condition tokens
    ``[B, S, D]``.

    Args:
        tokenizer (dict): a ``VQGANTokenizer`` config with its checkpoint;
            built frozen.
        embed_dims (int): ``D`` (filled in by the backbone).
        grid (int): pool to ``grid x grid`` regions, ``S = grid ** 2``.
        quantized (bool): pool the quantised codes instead of the encoder
            output.
        mean, std: the normalisation (0..255 scale) of a *bare* image
            tensor given to the backbone downstream (probing, fine-tuning
            under mmpretrain's classifier, where no step carries it); in
            pretraining the step's own (the data preprocessor's) is used.
    """

    def __init__(self,
                 tokenizer: dict,
                 embed_dims: int,
                 grid: int = 1,
                 quantized: bool = False,
                 mean: Sequence[float] = IMAGENET_MEAN,
                 std: Sequence[float] = IMAGENET_STD,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.tokenizer = MODELS.build(dict(tokenizer, frozen=True))
        self.grid = grid
        self.quantized = quantized
        z_channels = self.tokenizer.quantize.embedding.embedding_dim
        self.proj = nn.Linear(z_channels, embed_dims)
        # which region a token pools (the image tokens carry E_pos instead)
        self.slot_embed = nn.Parameter(torch.zeros(1, grid * grid, embed_dims))
        self.register_buffer('mean', channel_stats(mean), persistent=False)
        self.register_buffer('std', channel_stats(std), persistent=False)

    @property
    def num_tokens(self) -> int:
        return self.grid * self.grid

    def init_weights(self):
        super().init_weights()
        nn.init.normal_(self.slot_embed, std=.02)

    def pooled(self, x: Tensor) -> Tensor:
        """``[0, 1]`` images -> pooled tokenizer features ``[B, S,
        z_channels]`` (no gradient)."""
        with torch.no_grad():
            feats = self.tokenizer.features(x)
            if self.quantized:
                q = self.tokenizer.quantize
                feats = q.embed(q.lookup(feats))
        pooled = F.adaptive_avg_pool2d(feats, self.grid)
        return pooled.flatten(2).transpose(1, 2).to(self.proj.weight.dtype)

    def forward(self, unit_images: Tensor) -> Tensor:
        return self.proj(self.pooled(unit_images)) + self.slot_embed
