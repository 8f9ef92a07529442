"""visualize_masks.py and benchmark_pretrain.py run and say what they did."""
import json
import subprocess
import sys

import numpy as np
import pytest
from gvp_testing import run_ok
from PIL import Image


def test_visualize_masks_writes_png(tmp_path, root):
    out = tmp_path / 'masks.png'
    proc = subprocess.run([
        sys.executable, 'tools/analysis_tools/visualize_masks.py',
        str(out), '--generator', 'fixed', '--num-groups', '3', '--grid', '2',
        '4'
    ],
                          cwd=root,
                          capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert 'n=[2, 4, 6, 8]' in proc.stdout
    img = np.asarray(Image.open(out).convert('RGB'))
    blue = (img[..., 2] > 150) & (img[..., 0] < 100)
    assert img.shape[0] > 500 and blue.mean() > 0.05


def test_visualize_masks_refuses_bad_plan(tmp_path, root):
    proc = subprocess.run([
        sys.executable, 'tools/analysis_tools/visualize_masks.py',
        str(tmp_path / 'x.png'), '--num-groups', '20', '--grid', '2', '4'
    ],
                          cwd=root,
                          capture_output=True,
                          text=True)
    assert proc.returncode != 0 and 'too large for T=8' in proc.stderr


@pytest.mark.slow
def test_benchmark_tool_small(tmp_path, root):
    out = tmp_path / 'bench.json'
    proc = subprocess.run([
        sys.executable, 'tools/analysis_tools/benchmark_pretrain.py',
        '--batch-size', '2', '--img-size', '96', '--rounds', '1', '--variants',
        'vit', 'gvp', 'gvp-p2d', 'gvp-d2d', 'gvp-p2d-cached', 'vqgan',
        '--out', str(out)
    ],
                          cwd=root,
                          capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    res = json.loads(out.read_text())
    rows = {r['variant']: r for r in res['rows']}
    assert rows['vit']['time_ratio'] == 1.0
    for v in ('gvp', 'gvp-p2d', 'gvp-d2d', 'gvp-p2d-cached', 'vqgan'):
        assert rows[v]['time_s'] > 0 and rows[v]['step_mb'] > 0, v
    assert 'x time' in proc.stdout
    # the data tool: JPEG pipelines (mmcv's decoders) and the token cache,
    # with the workers a device at the measured step's rate needs
    proc = subprocess.run([
        sys.executable, 'tools/analysis_tools/benchmark_data.py',
        '--img-size', '96', '--data-dir', str(tmp_path / 'data'),
        '--step-json', str(out), '--out', str(tmp_path / 'data.json')],
        cwd=root, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    res_data = json.loads((tmp_path / 'data.json').read_text())['data']
    data = {r['pipeline']: r['img_per_s'] for r in res_data['rows']}
    assert {'jpeg-cv2', 'jpeg-pillow', 'cached-p2d', 'cached-ids'} <= set(
        data)
    assert all(v > 0 for v in data.values())
    assert data['cached-ids'] > data['jpeg-cv2']  # no image decoded
    assert len(list((tmp_path / 'data' / 'jpeg').glob('*.jpg'))) == 64
    assert 'workers needed' in proc.stdout
    # the doc's tables from this run, between their markers
    doc = tmp_path / 'benchmark.md'
    doc.write_text('# prose\n<!-- benchmark:base:start -->\nold\n'
                   '<!-- benchmark:base:end -->\nmore prose\n')
    out.rename(tmp_path / 'base_b8.json')
    run_ok(root, [sys.executable, 'tools/benchmarks/benchmark_report.py',
                  str(tmp_path), '--doc', str(doc)])
    body = doc.read_text()
    assert body.startswith('# prose') and 'more prose' in body
    assert 'old' not in body and '| `gvp-p2d-cached`' in body
    assert '| `cached-ids`' in body and 'cores' in body


@pytest.mark.slow
def test_get_flops_matches_the_analytic_ratio(root):
    """ViT-B/16 p2p: the measured GVP / plain-ViT FLOP ratio is within 5 %
    of the analytic one for the sampled plan's token counts, and in the
    range of docs/design.md §7 (1.3x pruned under mixed length)."""
    import re
    out = run_ok(root, [
        sys.executable, 'tools/analysis_tools/get_flops.py',
        'configs/gvp/gvp-p2p_vit-base-p16_8xb512-amp-coslr-'
        '200e_in1k.py', '--batch-size', '2'
    ])
    m = re.search(r'measured ([\d.]+), analytic ([\d.]+)', out)
    measured, analytic = float(m.group(1)), float(m.group(2))
    assert abs(measured / analytic - 1) < 0.05, out[-800:]
    assert 1.15 < measured < 1.6
