"""Random-number-generator states of one process, as plain data (tensors,
ints, tuples) that the safe checkpoint loader reads without extra
allowlisting."""
import random

import numpy as np
import torch


def capture_rng_state() -> dict:
    """Python, numpy, torch (CPU and every CUDA device) states."""
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    state = dict(
        python=random.getstate(),
        numpy=(kind, torch.from_numpy(keys.copy()), int(pos), int(has_gauss),
               float(cached)),
        torch=torch.get_rng_state())
    if torch.cuda.is_available():
        state['cuda'] = torch.cuda.get_rng_state_all()
    return state


def restore_rng_state(state: dict) -> None:
    """Inverse of :func:`capture_rng_state`."""
    version, internal, gauss = state['python']
    random.setstate((version, tuple(internal), gauss))
    kind, keys, pos, has_gauss, cached = state['numpy']
    np.random.set_state((kind, keys.numpy().astype(np.uint32), pos,
                         has_gauss, cached))
    torch.set_rng_state(state['torch'])
    if 'cuda' in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state['cuda'])
