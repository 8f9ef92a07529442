"""p2d / d2d head: query-stream features -> codebook logits, cross entropy
on predicted tokens only (paper §4.1, second formulation)."""
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor, nn

from gvp.registry import MODELS
from ..backbones.gvp_vit import TwoStreamOutput


@MODELS.register_module()
class GVPTokenHead(BaseModule):
    """Linear classifier over the tokenizer's codebook.

    Args:
        embed_dims (int): backbone width ``D``.
        num_codes (int): the tokenizer's codebook size.
        label_smoothing (float): as ``F.cross_entropy``'s (MAGE uses 0.1).
    """
    target = 'ids'

    def __init__(self, embed_dims: int, num_codes: int = 1024,
                 label_smoothing: float = 0., init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.num_codes = num_codes
        self.label_smoothing = label_smoothing
        self.predictor = nn.Linear(embed_dims, num_codes)

    def forward(self, feats: Tensor) -> Tensor:
        """``[N, D]`` -> logits ``[N, num_codes]``."""
        return self.predictor(feats)

    def loss(self, out: TwoStreamOutput, ids: Tensor) -> Tensor:
        """``ids [B, T]``: mean over predicted tokens of the cross entropy
        (negative log-likelihood of eq. 5 with a categorical model)."""
        target = ids[out.batch_idx, out.token_idx]
        return F.cross_entropy(self(out.feats).float(), target,
                               label_smoothing=self.label_smoothing)
