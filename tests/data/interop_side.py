"""Run in an environment with timm and transformers (and no mmpretrain):
the other side of tests/test_weights_interop.py.

    python interop_side.py read timm FILE.safetensors X.npy OUT.npy
    python interop_side.py read hf DIR X.npy OUT.npy
    python interop_side.py make timm KWARGS.json FILE.safetensors X.npy OUT.npy
    python interop_side.py make hf CONFIG.json DIR X.npy OUT.npy

``read``: the converted weights into the library's model, its tokens after
the final norm on X saved. ``make``: a randomly initialised model of the
library saved in its own format, and its tokens on X.
"""
import json
import sys

import numpy as np
import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file


def timm_model(kwargs):
    from timm.models.vision_transformer import VisionTransformer
    return VisionTransformer(**kwargs).eval()


def tokens(lib, model, x):
    with torch.no_grad():
        if lib == 'timm':
            return model.forward_features(x)
        return model(pixel_values=x).last_hidden_state


def read(lib, path, x):
    if lib == 'timm':
        with safe_open(path, 'pt') as f:
            kwargs = json.loads(f.metadata()['timm_kwargs'])
        model = timm_model(kwargs)
        model.load_state_dict(load_file(path), strict=True)
        return model
    from transformers import ViTModel
    return ViTModel.from_pretrained(path, add_pooling_layer=False).eval()


def make(lib, spec, path):
    torch.manual_seed(0)
    spec = json.load(open(spec))
    if lib == 'timm':
        model = timm_model(spec)
        save_file(model.state_dict(), path)
        return model
    from transformers import ViTConfig, ViTModel
    model = ViTModel(ViTConfig(**spec), add_pooling_layer=False).eval()
    model.save_pretrained(path, safe_serialization=True)
    return model


def main(argv):
    action, lib = argv[:2]
    x = torch.from_numpy(np.load(argv[-2]))
    model = read(lib, argv[2], x) if action == 'read' else \
        make(lib, argv[2], argv[3])
    np.save(argv[-1], tokens(lib, model, x).numpy())


if __name__ == '__main__':
    main(sys.argv[1:])
