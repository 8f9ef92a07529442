"""print_config, analyze_logs and browse_dataset on our configs (slow:
subprocesses)."""
import json
import sys

import pytest
from gvp_testing import run_ok
from PIL import Image

pytestmark = pytest.mark.slow
DEMO = 'configs/gvp/gvp-p2p_vit-tiny-p4_1xb64-600i_fashion-mnist.py'


def test_print_config_by_index_name_with_options(root):
    out = run_ok(root, [sys.executable, 'tools/misc/print_config.py',
                        'gvp-p2p_vit-tiny-p4_1xb64-600i_fashion-mnist',
                        '--cfg-options', 'train_cfg.max_iters=7'])
    assert "max_iters=7" in out and "type='GVPViT'" in out
    assert "type='SafeCheckpointHook'" in out  # the bases are merged


def test_analyze_logs_merges_resumed_runs(tmp_path, root):
    work = tmp_path / 'work'
    for run, rows in (('20260101_000000', [(1, 2.0), (2, 1.5), (3, 1.4)]),
                      ('20260101_010000', [(3, 1.3), (4, 1.1)])):
        (work / run / 'vis_data').mkdir(parents=True)
        (work / run / 'vis_data' / 'scalars.json').write_text(''.join(
            json.dumps(dict(iter=i, loss=v, lr=0.1)) + '\n'
            for i, v in rows))
    # mmpretrain's plot_curve on the merged log (no sub-command: it plots)
    out = run_ok(root, [sys.executable, 'tools/analysis_tools/analyze_logs.py',
                        str(work), '--out', str(tmp_path / 'c.png')])
    assert f'save curve to: {tmp_path}/c.png' in out
    # the resumed run's iteration 3 replaces the first run's
    assert f'{work}: loss 2.0000 (iter 1) -> 1.1000 (iter 4), min 1.1000' \
        in out
    assert Image.open(tmp_path / 'c.png').size[0] > 300


def test_browse_dataset_is_mmpretrains_on_an_index_name(
        tmp_path, root, fashion_mnist_subset):
    """mmpretrain's browse_dataset with its CLI (-n, -m, -o), the config
    given by its model-index name, headless without --not-show."""
    out_dir = tmp_path / 'browse'
    run_ok(root, [
        sys.executable, 'tools/visualization/browse_dataset.py',
        'gvp-p2p_vit-tiny-p4_1xb64-600i_fashion-mnist', '-n', '3', '-m',
        'original', '-o', str(out_dir), '--cfg-options',
        f'train_dataloader.dataset.data_root={fashion_mnist_subset}'])
    pngs = sorted(p.name for p in out_dir.iterdir())
    assert pngs == ['00000.png', '00001.png', '00002.png']
    assert Image.open(out_dir / pngs[0]).size == (28, 28)  # as loaded


def test_vis_scheduler_plots_the_demo_schedule(tmp_path, root):
    """mmpretrain's vis_scheduler, through our wrapper: all 600 iterations
    of the iteration-based demo schedule simulated (not one batch per
    'epoch'), the curve saved."""
    out = run_ok(root, [
        sys.executable, 'tools/visualization/vis_scheduler.py', DEMO,
        '--not-show', '--save-path', str(tmp_path / 'lr.png'),
        '--cfg-options', f'work_dir={tmp_path}/work'], timeout=240)
    assert 'Dataset size: 38400' in out and '600/600' in out
    assert Image.open(tmp_path / 'lr.png').size[0] > 300
