"""The probe role: GVP's content stream as a frozen feature extractor
(paper §5: linear probing keeps the causal mask ``M_h`` of a plan)."""
from typing import Optional, Tuple

import torch
from torch import Tensor

from gvp.registry import MODELS
from .base_vit import GVPViTBase
from .token_layout import dense_layout


@MODELS.register_module()
class GVPProbeViT(GVPViTBase, role_default=True):
    """Content stream only, causal mask of one plan kept; returns the mean
    image token ``[B, D]`` after each block of ``out_indices`` (default: the
    last, after the final norm).

    Freezing is mmpretrain's: probe configs set ``frozen_stages`` to the
    depth (all blocks, the stem and the final norm). The parameters are the
    pretraining backbone's minus the query start ``w``.

    Args:
        mask_generator (dict): the pretraining plan's generator (the same
            feature distribution, paper §5).
        probe_seed (int): at eval one plan drawn with this seed serves every
            sample, so features are deterministic.
        probe_mask (bool): keep ``M_h`` (default); ``False`` lets every
            token see all (full attention).
        **kwargs: :class:`~.base_vit.GVPViTBase` arguments.
    """

    role = 'probe'

    def __init__(self,
                 mask_generator: Optional[dict] = None,
                 probe_seed: int = 0,
                 probe_mask: bool = True,
                 **kwargs):
        super().__init__(**kwargs)
        self._init_plan(mask_generator)
        self.probe_seed = probe_seed
        self.probe_mask = probe_mask
        self._plans = {}  # (grid, device, seed) -> the eval plan [1, T]

    def sample_ranks(self, batch_size: int, grid, device) -> Tensor:
        """Per-token ranks ``[B, T]``: at eval one seeded plan shared by all
        samples; without mask every token in group 0 (``M_h`` all-true)."""
        num_tokens = grid[0] * grid[1]
        if not self.probe_mask:
            return torch.zeros(
                batch_size, num_tokens, dtype=torch.long, device=device)
        self.mask_generator.validate(grid)
        if not self.training:
            return self._seeded_plan(grid, device).expand(batch_size, -1)
        return self.mask_generator(batch_size, grid, device).ranks

    def _seeded_plan(self, grid, device) -> Tensor:
        """The eval plan's ranks ``[1, T]``, drawn once per grid and device
        with ``probe_seed`` and kept: a constant, so a traced program
        (``torch.export`` after one eager call) holds the plan itself, not
        random draws whose generator a trace drops."""
        key = (tuple(grid), str(device), self.probe_seed)
        if key not in self._plans:
            gen = torch.Generator(device=device).manual_seed(self.probe_seed)
            self._plans[key] = self.mask_generator(1, grid, device, gen).ranks
        return self._plans[key]

    def forward(self,
                x,
                ranks: Optional[Tensor] = None) -> Tuple[Tensor, ...]:
        """``x``: normalised images ``[B, C, H, W]``, ids or a step ->
        ``([B, D], ...)``, one per ``out_indices``; ``ranks [B, T]``
        overrides the plan."""
        h0, _, hw = self.embed(x)
        _, rank = self.plan(h0, hw, ranks)
        batch, seq_len, dims = h0.shape
        layout = dense_layout(rank)  # = build_layout(rank, all, none)
        outs = []
        # every token is kept, in order: packed rows are [B * L, D] as is
        for i, rows in self._blocks(h0, h0[:, :0], layout):
            if i in self.out_indices:
                tokens = rows.view(batch, seq_len, dims)
                outs.append(tokens[:, self.num_cond_tokens:].mean(dim=1))
            if i == max(self.out_indices):
                break  # later blocks feed no output
        return tuple(outs)
