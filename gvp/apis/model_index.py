"""The model index (``model-index.yml`` + ``configs/**/metafile.yml``, in
mmpretrain's format): model names, their configs, measured results and
weights."""
import fnmatch
import os.path as osp
from functools import lru_cache
from typing import Dict, List, Optional

import yaml

_PKG = osp.dirname(osp.dirname(osp.abspath(__file__)))


def index_root() -> str:
    """Where ``model-index.yml`` and ``configs/`` are: the checkout (source
    or editable install) or ``gvp/.mim`` (a wheel)."""
    for root in (osp.dirname(_PKG), osp.join(_PKG, '.mim')):
        if osp.isfile(osp.join(root, 'model-index.yml')):
            return root
    raise FileNotFoundError(
        'model-index.yml not found next to the gvp package nor in '
        f'{osp.join(_PKG, ".mim")}: reinstall gvp (pip install .)')


@lru_cache(maxsize=1)
def _models() -> Dict[str, dict]:
    root = index_root()
    with open(osp.join(root, 'model-index.yml')) as f:
        index = yaml.safe_load(f)
    models = {}
    for meta in index.get('Import', []):
        with open(osp.join(root, meta)) as f:
            for model in yaml.safe_load(f).get('Models') or []:
                model = dict(model)
                model['Config'] = osp.join(root, model['Config'])
                models[model['Name']] = model
    return models


def list_models(pattern: Optional[str] = None) -> List[str]:
    """Names in the model index, sorted; ``pattern`` is a shell-style
    wildcard (``'gvp-p2p*'``)."""
    names = sorted(_models())
    return fnmatch.filter(names, pattern) if pattern else names


def model_info(name: str) -> dict:
    """The index entry of ``name`` (``Config`` as an absolute path)."""
    models = _models()
    if name not in models:
        close = [n for n in models if name in n][:5]
        raise ValueError(f'no model {name!r} in the model index'
                         + (f'; did you mean {close}?' if close else
                            '; see gvp.apis.list_models()'))
    return models[name]


def config_file(name_or_path: str) -> str:
    """A tool's CONFIG argument as a file: a config path, or a model-index
    name (its config). Neither: one line naming both ways."""
    if osp.isfile(name_or_path):
        return name_or_path
    if name_or_path in _models():
        return _models()[name_or_path]['Config']
    from gvp.utils.errors import GVPError
    close = [n for n in _models() if osp.basename(name_or_path)
             .replace('.py', '') in n][:3]
    raise GVPError(f'config {name_or_path}: no such file nor model-index '
                   'name; give a config path (configs/gvp/*.py) or a name '
                   'of gvp.apis.list_models()'
                   + (f' (close: {close})' if close else ''))


def register_with_mmpretrain() -> None:
    """Put gvp's model index into mmpretrain's ``ModelHub`` (once), so that
    ``mmpretrain.list_models('gvp*')`` and ``mmpretrain.get_model(name)``
    find gvp's models after ``import gvp``."""
    from mmpretrain.apis.model import ModelHub
    if not _models() or next(iter(_models())).lower() in \
            ModelHub._models_dict:
        return
    root = index_root()
    ModelHub.register_model_index(
        osp.join(root, 'model-index.yml'), config_prefix=root)
