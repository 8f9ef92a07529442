"""Tiny architectures for tests (CPU time is the budget)."""
TINY_ARCH = dict(embed_dims=32, num_layers=2, num_heads=2,
                 feedforward_channels=64)


def tiny_backbone(**kwargs):
    cfg = dict(type='GVPViT', arch=TINY_ARCH, img_size=16, patch_size=4,
               mask_generator=dict(type='MixedLengthMaskGenerator',
                                   num_groups=4))
    cfg.update(kwargs)
    return cfg


def tiny_gvp(**backbone_kwargs):
    return dict(
        type='GVP',
        backbone=tiny_backbone(**backbone_kwargs),
        head=dict(type='GVPPixelHead', embed_dims=32, patch_size=4))


def dist_env():
    """Environment for a 2-process ``dist_*.sh`` run on this machine: a free
    loopback port for the rendezvous, one thread per process."""
    import os
    import socket
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    return dict(os.environ, PORT=str(port), OMP_NUM_THREADS='1')
