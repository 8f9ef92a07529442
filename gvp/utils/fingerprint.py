"""What a config builds, as one hash: the model's structure, not the text
that asked for it.

``module_fingerprint`` hashes, for every module of the built model (in
order), its class, its plain settings (ints, floats, strings, bools,
tuples of those, and those of the plain objects it holds, such as the mask
generator and its order: widths, patch sizes, group counts, mask ratios,
``norm_pix``, a loss's criterion ...) and the names, shapes and dtypes of
its parameters and buffers. Two configs that build the same model -- one
stating ``head.embed_dims=192``, the other leaving it to be filled from
the backbone -- hash alike; a changed width, plan, target or loss does not.
The model is built on the ``meta`` device and without its tokenizer's
weight file: no memory, no weights, no checkpoint read.
"""
import hashlib
import inspect
import json
from numbers import Number

import torch
from mmengine.config import ConfigDict

_PLAIN = (bool, Number, str, type(None))


def _plain(value):
    """``value`` if it is a plain setting (possibly nested in tuples /
    lists), else ``None``."""
    if isinstance(value, _PLAIN) and not isinstance(value, torch.Tensor):
        return value
    if isinstance(value, (tuple, list)) and all(
            isinstance(v, _PLAIN + (tuple, list)) for v in value):
        return [_plain(v) for v in value]
    return None


def _settings(obj, depth: int = 0) -> dict:
    """An object's plain public attributes, and those of the plain objects
    it holds (a mask generator and its order are no modules); ``training``
    and mmengine's init bookkeeping left out: they describe a moment, not
    the model."""
    out = {}
    for key, value in sorted(vars(obj).items()):
        if key.startswith('_') or key in ('training', 'init_cfg'):
            continue
        plain = _plain(value)
        if plain is not None or value is None:
            out[key] = plain
        elif _is_part(value) and depth < 3:
            out[key] = [type(value).__name__, _settings(value, depth + 1)]
    return out


def _is_part(value) -> bool:
    """A plain object of this package (a mask generator, an order): not a
    module (those are walked anyway), not a function."""
    return type(value).__module__.startswith('gvp.') and not isinstance(
        value, (torch.nn.Module, type)) and not inspect.isroutine(value)


def module_fingerprint(model: torch.nn.Module) -> str:
    """sha256 of ``model``'s structure (module docstring)."""
    record = []
    for name, module in model.named_modules():
        tensors = [(n, list(t.shape), str(t.dtype)) for n, t in
                   list(module.named_parameters(recurse=False)) +
                   list(module.named_buffers(recurse=False))]
        record.append([name, type(module).__name__, _settings(module),
                       tensors])
    text = json.dumps(record, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def config_fingerprint(model_cfg: dict, scope: str = 'gvp') -> str:
    """:func:`module_fingerprint` of the model ``model_cfg`` builds (in the
    registry ``scope``: a config's ``default_scope``; on the meta device)."""
    from mmengine.registry import DefaultScope

    from gvp.registry import MODELS
    with DefaultScope.overwrite_default_scope(scope), torch.device('meta'):
        model = MODELS.build(_without_weight_files(model_cfg))
    return module_fingerprint(model)


def _without_weight_files(cfg):
    """``cfg`` with every tokenizer's ``checkpoint`` dropped: the tokenizer
    reads it when built, and a weight file changes no structure."""
    if isinstance(cfg, dict):
        out = ConfigDict({k: _without_weight_files(v)
                          for k, v in cfg.items()})
        if str(out.get('type', '')).endswith('VQGANTokenizer'):
            out.pop('checkpoint', None)
        return out
    if isinstance(cfg, (list, tuple)):
        return type(cfg)(_without_weight_files(v) for v in cfg)
    return cfg
