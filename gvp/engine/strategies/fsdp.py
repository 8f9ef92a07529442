"""FSDP for GVP: shard each transformer block (both streams share its
weights, so one block is one unit whichever stream runs through it)."""
from mmengine.registry import FUNCTIONS
from mmpretrain.models.backbones.vision_transformer import \
    TransformerEncoderLayer


@FUNCTIONS.register_module(name='gvp_transformer_layer_wrap_policy')
def wrap_transformer_layers(module, recurse: bool,
                            nonwrapped_numel: int = 0, **kwargs) -> bool:
    """FSDP auto-wrap policy: every ``TransformerEncoderLayer`` is its own
    FSDP unit; the rest (embeddings, tokens, head) stays in the root unit.
    Config: ``strategy=dict(type='FSDPStrategy', model_wrapper=dict(
    auto_wrap_policy='gvp_transformer_layer_wrap_policy'))``."""
    if recurse:
        return True  # look inside every module
    return isinstance(module, TransformerEncoderLayer)
