from .base_vit import GVPViTBase
from .condition import TokenizerCondition
from .finetune_vit import GVPFinetuneViT
from .gvp_vit import GVPViT, TwoStreamOutput
from .inputs import IdEmbedding, PixelEmbedding
from .probe_vit import GVPProbeViT
from .query_start import PositionOnly, QueryStart, TokenPlusPosition
from .single_stream_vit import GVPSingleStreamViT
from .token_layout import TokenLayout, build_layout
from .two_stream_block import two_stream_attention, two_stream_block

__all__ = [
    'GVPViTBase', 'GVPViT', 'GVPSingleStreamViT', 'QueryStart',
    'TokenPlusPosition', 'PositionOnly',
    'GVPProbeViT', 'GVPFinetuneViT', 'TwoStreamOutput',
    'TokenLayout', 'build_layout', 'PixelEmbedding', 'IdEmbedding',
    'TokenizerCondition', 'two_stream_attention', 'two_stream_block'
]
from .roles import ROLES, backbone_for_role  # noqa: E402

__all__ += ['ROLES', 'backbone_for_role']
