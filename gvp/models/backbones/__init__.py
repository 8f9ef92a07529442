from .condition import TokenizerCondition
from .gvp_vit import GVPViT, TwoStreamOutput
from .token_embed import TokenEmbedding
from .token_layout import TokenLayout, build_layout
from .two_stream_block import two_stream_attention, two_stream_block

__all__ = [
    'GVPViT', 'TwoStreamOutput', 'TokenLayout', 'build_layout',
    'TokenEmbedding', 'TokenizerCondition',
    'two_stream_attention', 'two_stream_block'
]
