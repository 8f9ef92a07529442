"""Group-autoregressive generation and the one-shot baseline (paper
appendix F, table 8, figure 2).

Given a visible set ``G_0`` and predicted groups ``G_1..G_K`` (a plan of
ranks), the masked tokens are produced group by group: step ``k`` runs the
two streams on the current tokens and writes the prediction of group ``k``
into them, so group ``k + 1`` is conditioned on ``G_0`` and on the groups
generated so far. The causal masks guarantee that a step never reads the
original content of groups ``>= k``. ``one_shot`` puts every masked token in
a single group: MAE-style prediction from the visible tokens alone.

What the state is and how a prediction is written back is the target's
(:mod:`gvp.models.targets`): p2p writes pixels (norm-pix predictions mapped
back with the original patch's mean and variance, as MAE's visualisation
does), d2d writes ids (argmax, or sampled at ``temperature > 0``) that the
tokenizer decodes at the end.
"""
from typing import NamedTuple, Optional

import torch
from torch import Tensor


class Generated(NamedTuple):
    """Attributes:
        images (Tensor): ``[B, C, H, W]`` in ``[0, 1]``: visible tokens as
            given, masked tokens generated.
        ranks (Tensor): ``[B, T]`` the plan used (0 = visible).
        tokens (Tensor): the target's units: p2p ``[B, T, p*p*C]``
            generated patches (normalised input space); d2d ``[B, T]`` ids.
    """
    images: Tensor
    ranks: Tensor
    tokens: Tensor


@torch.no_grad()
def generate(model,
             step,
             ranks: Tensor,
             one_shot: bool = False,
             temperature: float = 0.,
             generator: Optional[torch.Generator] = None) -> Generated:
    """Run the plan ``ranks [B, T]`` on ``step`` (a ``StepInputs``)."""
    target, backbone, head = model.target_generator, model.backbone, \
        model.head
    plan = (ranks > 0).long() if one_shot else ranks
    state = target.start(step)
    for k in range(1, int(plan.max()) + 1):
        out = backbone(target.model_input(state, step), ranks=plan)
        rows = out.rank == k
        target.write(state, out.batch_idx[rows], out.token_idx[rows],
                     head(out.feats[rows]), temperature, generator)
    return Generated(target.images(state, step), ranks, target.tokens(state))
