"""Work-arounds for the pinned stack (DESIGN §8), each in one place.

* mmengine 0.10.7 calls ``torch.load(path)`` without ``weights_only``; torch
  >= 2.6 defaults it to ``True`` and then refuses a full runner checkpoint
  (message hub, numpy scalars, ...), so ``--resume``, ``load_from`` and
  ``Pretrained`` on such a file fail. :func:`trust_local_checkpoints` makes
  mmengine's *local-file* loader pass ``weights_only=False``. Only do this for
  files you trust (your own runs): unpickling can run code. Converted backbone
  checkpoints (``tools/model_converters/``) hold tensors only and load either
  way. Applied on ``import gvp``; set ``GVP_SAFE_TORCH_LOAD=1`` to keep
  torch's default.
"""
import os
import os.path as osp

import torch
from mmengine.runner.checkpoint import CheckpointLoader


def _load_trusted_local(filename, map_location=None):
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint {filename} can not be found: '
                                'check the path given to --resume, '
                                'load_from or init_cfg.checkpoint')
    return torch.load(filename, map_location=map_location, weights_only=False)


def trust_local_checkpoints() -> bool:
    """Register the local-path loader above in mmengine (idempotent)."""
    if os.environ.get('GVP_SAFE_TORCH_LOAD') == '1':
        return False
    CheckpointLoader.register_scheme(
        prefixes='', loader=_load_trusted_local, force=True)
    return True
