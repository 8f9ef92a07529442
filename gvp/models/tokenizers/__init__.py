from .quantizer import Quantized, VectorQuantizer
from .vqgan import VQGANTokenizer, load_tokenizer_weights

__all__ = ['Quantized', 'VectorQuantizer', 'VQGANTokenizer',
           'load_tokenizer_weights']
