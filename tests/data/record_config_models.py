"""Record the model every shipped config builds, as a fingerprint
(:func:`gvp.utils.fingerprint.config_fingerprint`), for
tests/test_config_models.py: a change to the configs (bases moved,
repeated widths dropped) or to the code must not change what any of them
builds. Recorded before the configs moved, by the code with the seams
straightened (the structure of a GVP model changed there, by design and
nothing else: the query start is a slot of the backbone, the target's
``loss`` slot is its own module; tests/test_equivalence.py shows that code
computes what the code before it did), and kept as data:

    python tests/data/record_config_models.py tests/data/config_models.json
"""
import glob
import json
import sys

from mmengine import Config

import gvp  # noqa: F401
from gvp.utils.fingerprint import config_fingerprint


def shipped_configs():
    """Every config with a ``model`` (bases and fragments left out)."""
    paths = sorted(glob.glob('configs/**/*.py', recursive=True))
    return [p for p in paths if '/_base_/' not in p]


def main(path):
    out = {}
    for cfg_path in shipped_configs():
        cfg = Config.fromfile(cfg_path)
        if 'model' not in cfg:
            continue
        out[cfg_path] = config_fingerprint(
            cfg.model, cfg.get('default_scope') or 'gvp')
        print(cfg_path, out[cfg_path][:12], flush=True)
    with open(path, 'w') as f:
        json.dump(out, f, indent=1, sort_keys=True)


if __name__ == '__main__':
    main(sys.argv[1])
