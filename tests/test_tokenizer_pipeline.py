"""tools/train.py end to end for discrete targets: train a tokenizer on
Fashion-MNIST, report its reconstructions, then pretrain p2d and d2d on its
ids (slow)."""
import json
import os
import sys

import pytest
from gvp_testing import logged_scalars, run_ok

pytestmark = pytest.mark.slow
TOKENIZER = 'configs/vqgan/vqgan-f4-256_ch32_1xb64-1500i_fashion-mnist.py'
DEMO = 'configs/gvp/gvp-{}_vit-tiny-p4_1xb64-600i_fashion-mnist.py'
SMALL_TOK = "ch=16, ch_mult=(1, 2, 2), num_res_blocks=1, z_channels=16"


def _run(root, *cmd):
    return run_ok(root, [sys.executable, *cmd])


def _data(data_root):
    return f"""
train_dataloader = dict(batch_size=32, num_workers=0,
                        persistent_workers=False,
                        dataset=dict(data_root='{data_root}'))
log_processor = dict(by_epoch=False)
"""


@pytest.fixture(scope='module')
def trained_tokenizer(tmp_path_factory, fashion_mnist_subset):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    tmp = tmp_path_factory.mktemp('tok')
    cfg = tmp / 'tok.py'
    cfg.write_text(f"""
_base_ = '{root}/{TOKENIZER}'
model = dict({SMALL_TOK}, num_codes=64, restart_interval=10)
train_cfg = dict(max_iters=60)
param_scheduler = [dict(type='ConstantLR', factor=1.0, by_epoch=False)]
default_hooks = dict(logger=dict(interval=10),
                     checkpoint=dict(interval=60))
{_data(fashion_mnist_subset)}""")
    work = str(tmp / 'work')
    _run(root, 'tools/train.py', str(cfg), '--work-dir', work)
    return str(cfg), f'{work}/iter_60.pth', logged_scalars(work)


def test_tokenizer_trains_and_reports_codebook_usage(trained_tokenizer):
    _, ckpt, rows = trained_tokenizer
    assert os.path.isfile(ckpt)
    assert all(0 < r['usage'] <= 1 and r['perplexity'] >= 1 for r in rows)
    assert rows[-1]['loss_rec'] < 0.7 * rows[0]['loss_rec'], rows


def test_tokenizer_report_tool(trained_tokenizer, fashion_mnist_subset, root,
                               tmp_path):
    cfg, ckpt, _ = trained_tokenizer
    out = _run(root, 'tools/analysis_tools/tokenizer_report.py', cfg, ckpt,
               '--ann-file', 'meta/val.txt', '--data-prefix', 'val',
               '--out-dir', str(tmp_path))
    report = json.loads((tmp_path / 'report.json').read_text())
    assert report['images'] == 512 and report['codebook_size'] == 64
    assert 0 < report['l1'] < 0.5 and report['psnr'] > 5
    assert 0 < report['usage'] <= 1
    assert (tmp_path / 'recon.png').stat().st_size > 1000
    assert 'grid:' in out


@pytest.mark.parametrize('variant', ['p2d', 'd2d'])
def test_discrete_pretraining_lowers_the_loss(variant, trained_tokenizer,
                                              fashion_mnist_subset, root,
                                              tmp_path):
    _, ckpt, _ = trained_tokenizer
    cfg = tmp_path / f'{variant}.py'
    cfg.write_text(f"""
_base_ = '{root}/{DEMO.format(variant)}'
model = dict(
    backbone=dict(arch=dict(_delete_=True, embed_dims=64, num_layers=2,
                            num_heads=2, feedforward_channels=128)),
    target_generator=dict(num_codes=64),
    tokenizer=dict({SMALL_TOK}, num_codes=64, checkpoint='{ckpt}'))
{"model['backbone']['input_embed'] = dict(type='IdEmbedding', vocab_size=64)"
 if variant == 'd2d' else ''}
train_cfg = dict(max_iters=60)
optim_wrapper = dict(optimizer=dict(lr=2e-3))
param_scheduler = [dict(type='LinearLR', start_factor=0.1, by_epoch=False,
                        begin=0, end=5)]
default_hooks = dict(logger=dict(interval=5), checkpoint=dict(interval=60))
{_data(fashion_mnist_subset)}""")
    work = str(tmp_path / 'work')
    _run(root, 'tools/train.py', str(cfg), '--work-dir', work)
    losses = [r['loss'] for r in logged_scalars(work)]
    assert len(losses) == 12
    assert sum(losses[-2:]) / 2 < 0.85 * sum(losses[:2]) / 2, losses
