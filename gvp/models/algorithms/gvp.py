"""The GVP algorithm (paper eq. 6) as an mmpretrain self-supervisor."""
from typing import Dict, List

from mmpretrain.models import BaseSelfSupervisor
from mmpretrain.structures import DataSample
from torch import Tensor

from gvp.registry import MODELS


@MODELS.register_module()
class GVP(BaseSelfSupervisor):
    """Generative Visual Pretraining.

    The backbone (:class:`~gvp.models.backbones.GVPViT`, ``mode='pretrain'``)
    samples a group plan, runs the content and query streams and returns the
    query-stream features of the predicted tokens (groups ``1..K``); the head
    maps them to the target and averages the loss over those tokens, i.e. the
    negative of eq. 5's group-chain log-likelihood under a Gaussian (p2p).
    """

    def loss(self, inputs: Tensor, data_samples: List[DataSample],
             **kwargs) -> Dict[str, Tensor]:
        out = self.backbone(inputs)
        return dict(loss=self.head.loss(out, inputs))
