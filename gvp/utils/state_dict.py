"""Comparing and loading state dicts with the differences named."""
from typing import Dict, Iterable, List

from torch import Tensor


def state_dict_mismatch(expected: Dict[str, Tensor],
                        given: Dict[str, Tensor],
                        allow_missing: Iterable[str] = (),
                        allow_unexpected: Iterable[str] = ()) -> List[str]:
    """Human-readable differences between two state dicts' key layouts
    (keys in ``allow_missing`` may be absent from ``given``, keys in
    ``allow_unexpected`` may be in ``given`` and not in ``expected``)."""
    allow, extra = set(allow_missing), set(allow_unexpected)
    missing = [k for k in expected if k not in given and k not in allow]
    unexpected = [k for k in given if k not in expected and k not in extra]
    shaped = [
        f'{k}: file {tuple(given[k].shape)} vs model {tuple(v.shape)}'
        for k, v in expected.items()
        if k in given and tuple(given[k].shape) != tuple(v.shape)
    ]
    out = []
    if missing:
        out.append(f'missing keys ({len(missing)}): {_clip(missing)}')
    if unexpected:
        out.append(f'unexpected keys ({len(unexpected)}): '
                   f'{_clip(unexpected)}')
    if shaped:
        out.append(f'mis-shaped ({len(shaped)}): {_clip(shaped)}')
    return out


def _clip(items: List[str], n: int = 8) -> str:
    more = f' ... and {len(items) - n} more' if len(items) > n else ''
    return ', '.join(items[:n]) + more
