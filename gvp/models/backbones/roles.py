"""A backbone config of one role as another (same weights): the API's
``FeatureExtractor(mode=...)``, ``get_flops.py`` and the study's probes.

Nothing here lists classes: each GVP backbone class declares its ``role``
and its own constructor arguments are read from its signature
(:meth:`~.base_vit.GVPViTBase.own_args`), so a new registered backbone
converts to and from every role as it is.
"""
import copy

from gvp.registry import MODELS
from .base_vit import GVPViTBase

#: the roles, each with the class a backbone of another role becomes
ROLES = ('pretrain', 'probe', 'finetune')


def backbone_class(cfg: dict) -> type:
    """The registered GVP backbone class of ``cfg['type']``."""
    name = cfg.get('type', '')
    cls = name if isinstance(name, type) else MODELS.get(str(name))
    if not (isinstance(cls, type) and issubclass(cls, GVPViTBase)):
        raise ValueError(f'backbone type {name!r} is not a registered GVP '
                         'backbone (a GVPViTBase subclass)')
    return cls


def backbone_for_role(cfg: dict, role: str) -> dict:
    """``cfg`` (a GVP backbone config of any role) for ``role``: unchanged
    if its class has that role (a pretraining variant stays itself), else
    the role's class with the arguments only the old class takes dropped."""
    if role not in ROLES:
        raise ValueError(f'role {role!r}: use one of {ROLES}')
    cfg = copy.deepcopy(dict(cfg))
    old = backbone_class(cfg)
    if old.role == role:
        return cfg
    new = GVPViTBase.role_class(role)
    for key in set(old.own_args()) - set(new.own_args()):
        cfg.pop(key, None)
    prefix = 'gvp.' if str(cfg['type']).startswith('gvp.') else ''
    cfg['type'] = prefix + new.__name__
    return cfg
