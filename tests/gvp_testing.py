"""Tiny architectures for tests (CPU time is the budget)."""
TINY_ARCH = dict(
    embed_dims=32, num_layers=2, num_heads=2, feedforward_channels=64)


def tiny_backbone(mode='pretrain', **kwargs):
    """A tiny backbone config of a role ('pretrain': GVPViT, 'probe':
    GVPProbeViT, 'finetune': GVPFinetuneViT)."""
    from gvp.models.backbones.roles import backbone_for_role
    cfg = dict(
        type='GVPViT',
        arch=TINY_ARCH,
        img_size=16,
        patch_size=4,
        mask_generator=dict(type='MixedLengthMaskGenerator', num_groups=4))
    cfg.update(kwargs)
    return backbone_for_role(cfg, mode)


def id_input(vocab_size=32):
    """The d2d input embedding config."""
    return dict(type='IdEmbedding', vocab_size=vocab_size)


def tiny_gvp(**backbone_kwargs):
    return dict(
        type='GVP',
        backbone=tiny_backbone(**backbone_kwargs),
        head=dict(type='GVPHead'),
        target_generator=dict(type='PixelTarget'))


def dist_env():
    """Environment for a 2-process ``dist_*.sh`` run on this machine: a free
    loopback port for the rendezvous, one thread per process."""
    import os
    import socket
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    return dict(os.environ, PORT=str(port), OMP_NUM_THREADS='1')


TINY_TOKENIZER = dict(
    type='VQGANTokenizer',
    ch=16,
    ch_mult=(1, 2, 2),
    num_res_blocks=1,
    z_channels=8,
    num_codes=32)


def tiny_tokenizer_ckpt(path):
    """A randomly initialised tiny f4 tokenizer saved at ``path``; returns
    its config with ``checkpoint`` set."""
    import torch

    from gvp.registry import MODELS
    torch.save(MODELS.build(TINY_TOKENIZER).state_dict(), str(path))
    return dict(TINY_TOKENIZER, checkpoint=str(path))


def token_grad_norm(grad, patch=4):
    """Per-token gradient magnitude ``[B, T]`` of a pixel gradient
    ``[B, C, H, W]`` or an embedding gradient ``[B, T, D]``."""
    if grad.dim() == 3:
        return grad.abs().sum(-1)
    B, C, H, W = grad.shape
    g = grad.abs().reshape(B, C, H // patch, patch, W // patch, patch)
    return g.sum(dim=(1, 3, 5)).reshape(B, -1)


def assert_no_leak(model, ranks, token_grads, num_outputs):
    """The no-leak property of eqs. 11-12 for every (sample, group).

    ``token_grads(select)`` runs the model, back-propagates
    ``select(out, pred)`` (a scalar from the chosen rows) and returns the
    per-token gradient magnitude ``[B, T]`` of the input. For group ``k`` of
    sample ``b`` there must be no gradient from tokens of group >= k nor
    from other samples, and some from an earlier token. Returns the number
    of (sample, group) pairs checked.
    """
    import torch
    B = ranks.shape[0]
    weights = torch.randn(200, num_outputs, dtype=torch.float64)
    checked = 0
    for b in range(B):
        for k in range(1, int(ranks[b].max()) + 1):

            def select(out, pred, b=b, k=k):
                rows = (out.batch_idx == b) & (out.rank == k)
                assert rows.any()
                return (pred[rows] * weights[:int(rows.sum())]).sum()

            g = token_grads(select)
            later = ranks[b] >= k
            assert (g[b][later] == 0).all(), f'leak: sample {b} group {k}'
            others = [i for i in range(B) if i != b]
            assert (g[others] == 0).all(), 'leak across samples'
            assert (g[b][~later] > 0).any(), 'no path from earlier groups'
            checked += 1
    return checked


def assert_no_pixel_leak(model, batch=3):
    """:func:`assert_no_leak` of a tiny pixel GVP (16 px, 4x4 tokens) on a
    sampled plan, in float64; returns the pairs checked."""
    import torch
    model.init_weights()
    model.double()
    x = torch.randn(batch, 3, 16, 16, dtype=torch.float64)
    ranks = model.backbone.mask_generator(batch, (4, 4)).ranks

    def pixel_grads(select):
        xi = x.clone().requires_grad_(True)
        out = model.backbone(xi, ranks=ranks)
        # targets not involved: they are the group's own pixels by
        # definition, not an information path
        select(out, model.head(out.feats)).backward()
        return token_grad_norm(xi.grad)

    return assert_no_leak(model, ranks, pixel_grads, 48)


def run_ok(root, cmd, env=None, timeout=None):
    """Run ``cmd`` in the checkout; assert it succeeded; stdout + stderr."""
    import subprocess
    proc = subprocess.run(
        cmd,
        cwd=root,
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    return out


def logged_scalars(work_dir):
    """Rows of the runs' ``vis_data/scalars.json`` that carry a loss."""
    import json
    from glob import glob
    rows = []
    for path in sorted(glob(f'{work_dir}/*/vis_data/scalars.json')):
        with open(path) as f:
            rows += [json.loads(line) for line in f if 'loss' in line]
    return rows


def write_malicious(path, marker):
    """A checkpoint whose unpickling creates ``marker`` (os.system)."""
    import os

    import torch

    class Payload:

        def __reduce__(self):
            return (os.system, (f'touch {marker}', ))

    torch.save(
        {
            'meta': {},
            'state_dict': {
                'w': torch.zeros(1)
            },
            'optimizer': {},
            'payload': Payload()
        }, str(path))
    return str(path)
