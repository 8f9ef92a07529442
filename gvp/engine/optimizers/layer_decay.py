"""Layer-wise learning-rate decay for every downstream library.

mmpretrain, mmseg and mmdet each ship a layer-decay constructor, but mmseg's
and mmdet's decide a parameter's depth from the backbone's *class name* and
refuse ours. This one asks the backbone: ``model.backbone.get_layer_depth``
(mmpretrain's ViT protocol, which :class:`~gvp.models.GVPViT` follows), so
the same constructor serves ImageClassifier, EncoderDecoder and MaskRCNN:

``lr = base_lr * layer_decay_rate ** (num_layers - 1 - depth)``

Weight decay is off for 1-D tensors (norms, biases) and for names holding a
``no_decay_keys`` entry (position embedding, class and query tokens).

Use ``constructor='gvp.LayerDecayOptimWrapperConstructor'`` (the ``gvp.``
prefix from mmseg / mmdet configs) with
``paramwise_cfg=dict(layer_decay_rate=0.65)``.
"""
from typing import List

from mmengine.model import is_model_wrapper
from mmengine.optim import DefaultOptimWrapperConstructor
from torch import nn

from gvp.registry import OPTIM_WRAPPER_CONSTRUCTORS

NO_DECAY_KEYS = ('pos_embed', 'cls_token', 'query_token', 'slot_embed')


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class LayerDecayOptimWrapperConstructor(DefaultOptimWrapperConstructor):
    """Param groups by (depth, decay / no decay); see the module doc."""

    def add_params(self, params: List[dict], module: nn.Module,
                   **kwargs) -> None:
        if is_model_wrapper(module):
            module = module.module
        backbone = getattr(module, 'backbone', None)
        if not hasattr(backbone, 'get_layer_depth'):
            raise TypeError(
                f'{type(module).__name__}.backbone '
                f'({type(backbone).__name__}) has no get_layer_depth(): '
                'layer decay needs a backbone that reports the depth of its '
                'parameters (GVPViT, mmpretrain ViTs); drop the '
                'constructor / layer_decay_rate for other backbones.')
        rate = self.paramwise_cfg.get('layer_decay_rate', 1.0)
        keys = tuple(self.paramwise_cfg.get('no_decay_keys', NO_DECAY_KEYS))
        groups = {}
        for name, param in module.named_parameters():
            if not param.requires_grad:
                continue
            depth, num = backbone.get_layer_depth(name, 'backbone.')
            no_decay = param.ndim == 1 or any(k in name for k in keys)
            key = (depth, no_decay)
            if key not in groups:
                groups[key] = dict(
                    params=[],
                    lr=self.base_lr * rate**(num - 1 - depth),
                    weight_decay=0. if no_decay else self.base_wd,
                    layer_depth=depth)
            groups[key]['params'].append(param)
        params.extend(groups[k] for k in sorted(groups))
