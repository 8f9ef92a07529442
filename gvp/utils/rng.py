"""Random-number-generator states of one process, as plain data (bytes,
ints, tuples): the safe checkpoint loader reads it without extra
allowlisting and it pickles across ranks (``all_gather_object``) without
tensor storages."""
import random

import numpy as np
import torch


def capture_rng_state() -> dict:
    """Python, numpy, torch (CPU and every CUDA device) states."""
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    state = dict(
        python=random.getstate(),
        numpy=(kind, keys.astype(np.uint32).tobytes(), int(pos),
               int(has_gauss), float(cached)),
        torch=torch.get_rng_state().numpy().tobytes())
    if torch.cuda.is_available():
        state['cuda'] = [s.numpy().tobytes()
                         for s in torch.cuda.get_rng_state_all()]
    return state


def _byte_tensor(data: bytes) -> torch.Tensor:
    return torch.frombuffer(bytearray(data), dtype=torch.uint8)


def restore_rng_state(state: dict) -> None:
    """Inverse of :func:`capture_rng_state`."""
    version, internal, gauss = state['python']
    random.setstate((version, tuple(internal), gauss))
    kind, keys, pos, has_gauss, cached = state['numpy']
    np.random.set_state((kind, np.frombuffer(keys, dtype=np.uint32).copy(),
                         pos, has_gauss, cached))
    torch.set_rng_state(_byte_tensor(state['torch']))
    if 'cuda' in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(
            [_byte_tensor(s) for s in state['cuda']])
