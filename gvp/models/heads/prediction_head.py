"""The prediction head: query-stream features -> one prediction per token
(paper §4.1); the target generator scores them."""
from mmengine.model import BaseModule
from torch import Tensor, nn

from gvp.registry import MODELS


@MODELS.register_module()
class GVPHead(BaseModule):
    """A linear predictor; what it predicts and how it is scored is the
    target generator's (:mod:`gvp.models.targets`).

    Args:
        embed_dims (int): backbone width ``D``, filled in by the algorithm
            from the backbone.
        num_outputs (int): prediction width, filled in by the algorithm
            from the target generator's ``num_outputs``.
    """

    def __init__(self, embed_dims: int, num_outputs: int, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.predictor = nn.Linear(embed_dims, num_outputs)

    def forward(self, feats: Tensor) -> Tensor:
        """Query-stream features ``[N, D]`` -> predictions
        ``[N, num_outputs]``."""
        return self.predictor(feats)
