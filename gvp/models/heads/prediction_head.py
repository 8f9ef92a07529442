"""The prediction head: query-stream features -> one prediction per token,
scored by the target generator (paper §4.1)."""
from typing import Optional

from mmengine.model import BaseModule
from torch import Tensor, nn

from gvp.registry import MODELS
from ..backbones.gvp_vit import TwoStreamOutput


@MODELS.register_module()
class GVPHead(BaseModule):
    """A linear predictor; what it predicts and how it is scored is the
    target generator's (:mod:`gvp.models.targets`).

    Args:
        embed_dims (int): backbone width ``D``.
        num_outputs (int): prediction width; filled in by the algorithm
            from the target generator's ``num_outputs``.
    """

    def __init__(self,
                 embed_dims: int,
                 num_outputs: Optional[int] = None,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if num_outputs is None:
            raise ValueError('GVPHead needs num_outputs (the GVP algorithm '
                             "fills it in from its target generator)")
        self.predictor = nn.Linear(embed_dims, num_outputs)

    def forward(self, feats: Tensor) -> Tensor:
        """``[N, D]`` -> ``[N, num_outputs]``."""
        return self.predictor(feats)

    def loss(self, out: TwoStreamOutput, targets: Tensor,
             target_generator) -> Tensor:
        """Predictions of the packed predicted rows of ``out`` against
        ``targets [B, T, ...]`` of those tokens: the target generator's loss
        (mean over predicted tokens: eq. 5's negative log-likelihood for
        pixels under a Gaussian, ids under a categorical model)."""
        rows = targets[out.batch_idx, out.token_idx]
        return target_generator.loss(self(out.feats), rows)
