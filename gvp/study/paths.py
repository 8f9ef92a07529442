"""Where the study keeps things: the repository, a run's folder, JSON
results written whole or not at all."""
import json
import os.path as osp

#: the checkout the study runs in (configs are named from here)
ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def run_dir(root: str, row: str, seed: int) -> str:
    """``root/ROW/seedS``: one pretraining run and its evaluations."""
    return osp.join(root, row, f'seed{seed}')


def read_json(path: str):
    if not osp.isfile(path):
        return None
    with open(path) as f:
        return json.load(f)


def write_json(path: str, data) -> None:
    from gvp.utils.atomic_io import atomic_write
    atomic_write(path, json.dumps(data, indent=1))  # complete or absent


def repo_config(config: str):
    """A config of this repository by its path from the root."""
    from mmengine import Config
    return Config.fromfile(osp.join(ROOT, config))


def max_iters(config: str) -> int:
    return repo_config(config).train_cfg.max_iters


def model_fingerprint(config: str) -> str:
    """The fingerprint of the model a config builds (structure and
    settings: :mod:`gvp.utils.fingerprint`): recorded with each
    pretraining, so that a later change to a base config or to the code
    that would change a row's model is caught (tests/test_study.py) instead
    of silently detaching the row's numbers from its config."""
    from gvp.utils.fingerprint import config_fingerprint
    return config_fingerprint(repo_config(config).model)
