from .fsdp import wrap_transformer_layers

__all__ = ['wrap_transformer_layers']
