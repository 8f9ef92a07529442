"""Python API: models by name or config, with weights.

    >>> import gvp.apis as api
    >>> api.list_models('gvp-p2p*tiny*')
    >>> model = api.get_model('gvp-p2p_vit-tiny-p4_1xb64-600i_fashion-mnist',
    ...                       pretrained='work_dirs/.../iter_600.pth')
"""
from .feature_extractor import FeatureExtractor, normalisation
from .model import get_config, get_model, init_model
from .model_index import list_models, model_info
from .reconstruct import reconstruct

__all__ = ['get_config', 'get_model', 'init_model', 'list_models',
           'model_info', 'FeatureExtractor', 'normalisation', 'reconstruct']
