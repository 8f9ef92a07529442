"""Input embeddings: what the backbone reads, chosen in the config
(``backbone.input_embed``; paper §5).

An input embedding sits in the ViT's ``patch_embed`` slot (same call and
return: ``x -> ([B, T, D], (h, w))``, so parameter names and mmpretrain's
layer-depth rule are unchanged) and says which form of a step it reads
(``reads``: ``'images'`` or ``'ids'``, :class:`~gvp.models.algorithms.step.
StepInputs`). A new input is one registered class here plus a config.
"""
from typing import Sequence, Tuple

import torch
from mmcv.cnn.bricks.transformer import PatchEmbed
from torch import Tensor, nn

from gvp.registry import MODELS


@MODELS.register_module()
class PixelEmbedding(PatchEmbed):
    """Pixels ``[B, C, H, W]`` -> patch tokens (the default: p2p, p2d).
    mmpretrain's ViT builds mmcv's ``PatchEmbed`` (``patch_cfg``); the
    backbone turns that module into this class (no new parameters)."""
    reads = 'images'


@MODELS.register_module()
class IdEmbedding(nn.Module):
    """Codebook ids ``[B, h, w]`` -> ``([B, h * w, D], (h, w))`` (d2d).

    Args:
        vocab_size (int): the tokenizer's codebook size.
        embed_dims (int): ``D`` (filled in by the backbone).
        grid (tuple): ``(h, w)`` the tokenizer's id grid at ``img_size``
            (filled in by the backbone).
    """
    reads = 'ids'

    def __init__(self, vocab_size: int, embed_dims: int, grid: Sequence[int]):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dims)
        nn.init.normal_(self.embedding.weight, std=.02)
        self.init_out_size = tuple(grid)

    def forward(self, ids: Tensor) -> Tuple[Tensor, Tuple[int, int]]:
        if ids.dim() != 3 or ids.is_floating_point():
            raise ValueError(
                'an IdEmbedding input (d2d) takes tokenizer ids '
                f'[B, h, w] (long), got {ids.dtype} {tuple(ids.shape)}: '
                'give the GVP algorithm a tokenizer, or drop input_embed for '
                'pixel input.')
        vocab = self.embedding.num_embeddings
        if ids.numel() and (int(ids.min()) < 0 or int(ids.max()) >= vocab):
            raise ValueError(
                f'token ids must lie in [0, {vocab}): got '
                f'[{int(ids.min())}, {int(ids.max())}]; set vocab_size to '
                "the tokenizer's num_codes.")
        return self.embedding(ids.flatten(1)), tuple(ids.shape[1:])

    @property
    def vocab_size(self) -> int:
        return self.embedding.num_embeddings


def channel_stats(values, channels: int = 3) -> Tensor:
    """Mean/std list -> ``[1, C, 1, 1]`` float tensor."""
    t = torch.as_tensor(values, dtype=torch.float32).flatten()
    if t.numel() == 1:
        t = t.expand(channels)
    return t.view(1, -1, 1, 1).clone()
