"""A backbone config of one role as another (same weights): the API's
``FeatureExtractor(mode=...)`` and tools that probe a pretraining config."""
import copy

#: role -> registered class
ROLES = {
    'pretrain': 'GVPViT',
    'probe': 'GVPProbeViT',
    'finetune': 'GVPFinetuneViT'
}
#: pretraining backbones: GVPViT and its registered variants
PRETRAIN_TYPES = ('GVPViT', 'GVPPosQueryViT', 'GVPSingleStreamViT')
#: the arguments only one role takes
_OWN_ARGS = {
    'GVPViT': ('mask_generator', 'prune', 'prune_last_block', 'query_blocks'),
    'GVPPosQueryViT': ('mask_generator', 'prune', 'prune_last_block',
                       'query_blocks'),
    'GVPSingleStreamViT': ('mask_generator', ),
    'GVPProbeViT': ('mask_generator', 'probe_seed', 'probe_mask'),
    'GVPFinetuneViT': ('window_size', 'global_attn_indices'),
}


def backbone_for_role(cfg: dict, role: str) -> dict:
    """``cfg`` (a GVP backbone config of any role) for ``role``: its type
    replaced, the other roles' own arguments dropped."""
    if role not in ROLES:
        raise ValueError(f'role {role!r}: use one of {tuple(ROLES)}')
    cfg = copy.deepcopy(dict(cfg))
    new = ROLES[role]
    old = str(cfg.get('type', '')).split('.')[-1]
    if old not in _OWN_ARGS:
        raise ValueError(f'backbone type {old!r} is not a GVP backbone '
                         f'({tuple(_OWN_ARGS)})')
    for key in _OWN_ARGS[old]:
        if key not in _OWN_ARGS[new]:
            cfg.pop(key, None)
    if role == 'pretrain' and old in PRETRAIN_TYPES:
        return cfg  # already a pretraining backbone (of its own kind)
    prefix = 'gvp.' if str(cfg['type']).startswith('gvp.') else ''
    cfg['type'] = prefix + new
    return cfg
