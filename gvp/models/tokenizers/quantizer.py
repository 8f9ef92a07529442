"""Nearest-neighbour vector quantiser with a straight-through gradient."""
from typing import NamedTuple

import torch.nn.functional as F
from torch import Tensor, nn


class Quantized(NamedTuple):
    """Attributes:
        z_q (Tensor): ``[B, D, h, w]`` codes, straight-through to ``z``.
        ids (Tensor): ``[B, h, w]`` long codebook indices.
        codebook_loss (Tensor): ``||sg(z) - e||^2`` (moves the codes).
        commitment_loss (Tensor): ``||z - sg(e)||^2`` (moves the encoder).
    """
    z_q: Tensor
    ids: Tensor
    codebook_loss: Tensor
    commitment_loss: Tensor


class VectorQuantizer(nn.Module):
    """``embedding [num_codes, dim]``; the name and shape of MAGE's
    ``quantize.embedding.weight``."""

    def __init__(self, num_codes: int, dim: int):
        super().__init__()
        self.embedding = nn.Embedding(num_codes, dim)
        nn.init.uniform_(self.embedding.weight, -1 / num_codes, 1 / num_codes)

    @property
    def num_codes(self) -> int:
        return self.embedding.num_embeddings

    def distances(self, z: Tensor) -> Tensor:
        """``[B, D, h, w]`` -> squared distances ``[B * h * w, num_codes]``
        to every code (float32, so that autocast cannot change which code is
        nearest)."""
        d = z.shape[1]
        flat = z.float().permute(0, 2, 3, 1).reshape(-1, d)
        codes = self.embedding.weight.float()
        return (flat.pow(2).sum(1, keepdim=True) - 2 * flat @ codes.t() +
                codes.pow(2).sum(1)[None])

    def lookup(self, z: Tensor) -> Tensor:
        """``[B, D, h, w]`` -> nearest code ids ``[B, h, w]``."""
        b, _, h, w = z.shape
        return self.distances(z).argmin(1).view(b, h, w)

    def embed(self, ids: Tensor) -> Tensor:
        """``[B, h, w]`` ids -> ``[B, D, h, w]`` codes."""
        return self.embedding(ids).permute(0, 3, 1, 2).contiguous()

    def forward(self, z: Tensor) -> Quantized:
        ids = self.lookup(z)
        e = self.embed(ids).to(z.dtype)
        # straight-through: forward is e, backward is the identity to z
        z_q = z + (e - z).detach()
        return Quantized(z_q, ids, F.mse_loss(e, z.detach()),
                         F.mse_loss(z, e.detach()))
