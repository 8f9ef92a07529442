"""What every shipped config tells the runner, as JSON: the keys mmengine's
Runner and gvp's tools read (model, data, optimiser, schedule, hooks,
runtime), inherited bases resolved; the widths filled from the backbone
(head ``embed_dims``, target ``patch_size`` / ``in_channels``) left out.
Run on two checkouts and compared to show that moving configs onto shared
bases changed no effective config:

    python tests/data/effective_configs.py OUT.json
"""
import glob
import json
import sys

from mmengine import Config

KEYS = ('model', 'train_dataloader', 'val_dataloader', 'test_dataloader',
        'val_evaluator', 'test_evaluator', 'optim_wrapper', 'param_scheduler',
        'train_cfg', 'val_cfg', 'test_cfg', 'default_hooks', 'custom_hooks',
        'randomness', 'auto_scale_lr', 'log_processor', 'env_cfg',
        'visualizer', 'default_scope', 'custom_imports', 'lpips',
        'data_preprocessor', 'runner_type', 'strategy', 'load_from',
        'resume', 'log_level', 'token_cache')
FILLED = {'head': ('embed_dims', ), 'target_generator': ('patch_size',
                                                         'in_channels')}


def effective(path):
    cfg = Config.fromfile(path).to_dict()
    out = {k: cfg[k] for k in KEYS if k in cfg}
    model = out.get('model', {})
    for part, keys in FILLED.items():
        if isinstance(model.get(part), dict) and model.get('type') == 'GVP':
            for key in keys:
                model[part].pop(key, None)
    return json.loads(json.dumps(out, sort_keys=True, default=str))


def main(path):
    paths = sorted(p for p in glob.glob('configs/**/*.py', recursive=True)
                   if '/_base_/' not in p)
    with open(path, 'w') as f:
        json.dump({p: effective(p) for p in paths}, f, indent=1,
                  sort_keys=True)


if __name__ == '__main__':
    main(sys.argv[1])
