"""Where the query stream starts, ``G^(0)`` (eq. 7; docs/design.md §3): a
registered slot of the pretraining backbone (``query_start=dict(type=...)``).

The paper writes ``G^(0) = [w; ...; w]``. With absolute position embeddings
every query of a group would then be identical and blind to the token it
predicts, so the default adds the position: ``w + E_pos`` (XLNet gets the
position from relative attention); SAIM starts from ``E_pos`` alone. A
start that needs parameters creates them on the backbone itself, so their
names (``backbone.query_token``) stay those of every GVP checkpoint. A new
start is one registered class here plus a config.
"""
import torch
from torch import Tensor, nn

from gvp.registry import MODELS

#: parameters a query start may add: only pretraining has them (the probe
#: and fine-tune roles, and the converted ViT, do not)
PRETRAIN_ONLY = ('query_token', )


class QueryStart:
    """Base: ``__call__(backbone, pos [1, S + T, D]) -> G^(0) [1, S + T,
    D]``; :meth:`add_to` creates what it learns on the backbone."""

    def add_to(self, backbone: nn.Module) -> None:
        """Create its parameters on ``backbone`` (none by default)."""

    def init_weights(self, backbone: nn.Module) -> None:
        """Initialise them (when not loading pretrained weights)."""

    def __call__(self, backbone: nn.Module, pos: Tensor) -> Tensor:
        raise NotImplementedError


@MODELS.register_module()
class TokenPlusPosition(QueryStart):
    """``G^(0)_i = w + E_pos,i``: one learned vector ``w`` (the backbone's
    ``query_token [1, 1, D]``, normal init std 0.02) plus the position."""

    def add_to(self, backbone):
        backbone.query_token = nn.Parameter(
            torch.zeros(1, 1, backbone.embed_dims))

    def init_weights(self, backbone):
        nn.init.normal_(backbone.query_token, std=.02)

    def __call__(self, backbone, pos):
        return backbone.query_token + pos


@MODELS.register_module()
class PositionOnly(QueryStart):
    """``G^(0)_i = E_pos,i`` (SAIM's choice): no parameter of its own."""

    def __call__(self, backbone, pos):
        return pos
