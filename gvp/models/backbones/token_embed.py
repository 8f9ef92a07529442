"""d2d input: tokenizer ids -> token embeddings (paper §5, GVP-d2d)."""
from typing import Sequence, Tuple

import torch
from torch import Tensor, nn


class TokenEmbedding(nn.Module):
    """Codebook ids ``[B, h, w]`` -> ``([B, h * w, D], (h, w))``.

    Stands in for the ViT's ``patch_embed`` (same call and return, so the
    rest of the backbone and mmpretrain's layer-depth rule are unchanged).

    Args:
        vocab_size (int): the tokenizer's codebook size.
        embed_dims (int): ``D``.
        grid (tuple): ``(h, w)`` the tokenizer's id grid at ``img_size``.
    """

    def __init__(self, vocab_size: int, embed_dims: int,
                 grid: Sequence[int]):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dims)
        nn.init.normal_(self.embedding.weight, std=.02)
        self.init_out_size = tuple(grid)

    def forward(self, ids: Tensor) -> Tuple[Tensor, Tuple[int, int]]:
        if ids.dim() != 3 or ids.is_floating_point():
            raise ValueError(
                'a d2d backbone (vocab_size set) takes tokenizer ids '
                f'[B, h, w] (long), got {ids.dtype} {tuple(ids.shape)}: '
                'give the GVP algorithm a tokenizer, or drop vocab_size for '
                'pixel input.')
        vocab = self.embedding.num_embeddings
        if ids.numel() and (int(ids.min()) < 0 or int(ids.max()) >= vocab):
            raise ValueError(
                f'token ids must lie in [0, {vocab}): got '
                f'[{int(ids.min())}, {int(ids.max())}]; set vocab_size to '
                "the tokenizer's num_codes.")
        return self.embedding(ids.flatten(1)), tuple(ids.shape[1:])


def unit_range(images: Tensor, mean: Tensor, std: Tensor) -> Tensor:
    """Undo the data preprocessor's ``(x - mean) / std`` (0..255 scale):
    ``[B, C, H, W]`` -> ``[0, 1]``, the tokenizer's input range."""
    return ((images * std + mean) / 255.).clamp(0, 1)


def channel_stats(values, channels: int = 3) -> Tensor:
    """Mean/std list -> ``[1, C, 1, 1]`` float tensor."""
    t = torch.as_tensor(values, dtype=torch.float32).flatten()
    if t.numel() == 1:
        t = t.expand(channels)
    return t.view(1, -1, 1, 1).clone()
