"""Every tool refuses a missing run, missing data or a missing package
before it computes anything: exit status 1 and one line on stderr that
names the fix (docs/tools.md's table is this file's ``CASES``, printed by
``python tests/test_tool_refusals.py``)."""
import os
import os.path as osp
import subprocess
import sys

import pytest

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
DEMO = 'configs/gvp/gvp-p2p_vit-tiny-p4_1xb64-600i_fashion-mnist.py'
FT = ('configs/benchmarks/fine_tune/'
      'vit-tiny-p4_gvp-pre_1xb64-coslr-10e_fashion-mnist.py')
LP = ('configs/benchmarks/linear_probe/'
      'vit-tiny-p4_gvp-pre_1xb256-linear-coslr-10e_fashion-mnist.py')
GONE = 'work_dirs/no-such-run/iter_600.pth'
#: (tool and arguments, what is wrong, blocked module, the line says)
#: ``EMPTY`` is an empty folder, ``OUT`` a path to write to
CASES = [
    ('tools/train.py configs/gvp/gvp-p2p_vit-tiny.py', 'config path',
     None, 'no such file nor model-index name'),
    (f'tools/train.py {DEMO} --work-dir OUT --cfg-options '
     'train_dataloader.dataset.data_root=EMPTY', 'no data', None,
     'data_root'),
    (f'tools/test.py {FT} {GONE}', 'missing run', None, GONE),
    ('tools/analysis_tools/ablation_probe.py --work-root EMPTY',
     'missing run', None, 'no checkpoint of row gvp-p2p-mixed-k20'),
    ('tools/analysis_tools/ablation_probe.py --rows random-init '
     '--data-root EMPTY', 'no data', None, 'Fashion-MNIST not found'),
    ('tools/analysis_tools/ablation_probe.py', 'missing package', 'sklearn',
     'needs scikit-learn'),
    (f'tools/analysis_tools/transfer_linear.py {LP} none --data-root EMPTY',
     'no data', None, 'none of --datasets found under --data-root'),
    (f'tools/analysis_tools/transfer_linear.py {LP} none --data-root EMPTY',
     'missing package', 'sklearn', 'needs scikit-learn'),
    (f'tools/analysis_tools/get_flops.py {DEMO[:-3]}-typo.py',
     'config path', None, 'no such file nor model-index name'),
    (f'tools/analysis_tools/reconstruct.py {DEMO} {GONE}', 'missing run',
     None, GONE),
    (f'tools/model_converters/gvp2vit.py {GONE} OUT', 'missing run', None,
     GONE),
    (f'tools/model_converters/gvp2timm.py {GONE} OUT', 'missing run', None,
     GONE),
    (f'tools/model_converters/gvp2timm.py {GONE} OUT', 'missing package',
     'safetensors', 'needs safetensors'),
    (f'tools/model_converters/gvp2hf.py {GONE} OUT', 'missing run', None,
     GONE),
    (f'tools/model_converters/timm2gvp.py {GONE} OUT', 'missing run', None,
     GONE),
    (f'tools/deployment/export.py {FT} {GONE} OUT', 'missing run', None,
     GONE),
    (f'tools/deployment/export.py {FT} {GONE} OUT.onnx', 'missing package',
     'onnxscript', 'ONNX export needs onnxscript'),
    (f'tools/mmpretrain_tool.py vis_cam IMG {FT} {GONE} --target-layers '
     'backbone.layers.11.ln1', 'missing package', 'pytorch_grad_cam',
     'needs grad-cam'),
    (f'tools/mmpretrain_tool.py vis_tsne {DEMO} --checkpoint {GONE}',
     'pretraining config', None, 'give a probe or fine-tune config'),
    ('tools/mmpretrain_tool.py vis_tnse', 'tool name', None,
     "not one of mmpretrain's tools"),
    (f'tools/visualization/browse_dataset.py {DEMO} --cfg-options '
     'train_dataloader.dataset.data_root=EMPTY', 'no data', None,
     'data_root'),
    ('tools/analysis_tools/analyze_logs.py work_dirs/no-such-run',
     'missing run', None, 'no such work dir'),
]


def blocker(folder, module):
    """A folder that, first on ``PYTHONPATH``, makes ``module`` fail to
    import as an uninstalled package does."""
    os.makedirs(osp.join(folder, module), exist_ok=True)
    with open(osp.join(folder, module, '__init__.py'), 'w') as f:
        f.write(f'raise ImportError("No module named {module!r}")\n')
    return folder


def refusal(case, tmp):
    """The tool's exit status and stderr on ``case``."""
    command, _, blocked, _ = case
    empty = osp.join(tmp, 'empty')
    os.makedirs(empty, exist_ok=True)
    argv = [a.replace('EMPTY', empty).replace('OUT', osp.join(tmp, 'out'))
            .replace('IMG', osp.join(empty, 'x.png'))
            for a in command.split()]
    env = dict(os.environ)
    if blocked:
        env['PYTHONPATH'] = os.pathsep.join(
            [blocker(osp.join(tmp, 'block'), blocked), ROOT])
    proc = subprocess.run([sys.executable] + argv, cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    return proc.returncode, proc.stderr


@pytest.mark.slow
@pytest.mark.parametrize('case', CASES, ids=[
    f'{c[0].split()[0].rsplit("/", 1)[-1]}-{c[1]}' for c in CASES])
def test_tool_refuses_in_one_line(case, tmp_path):
    rc, err = refusal(case, str(tmp_path))
    lines = [ln for ln in err.strip().splitlines()
             if ln.startswith('error: ')]
    assert rc == 1 and len(lines) == 1, err[-3000:]
    assert case[3] in lines[0], lines[0]
    # nothing but warnings of the stack before it (no traceback)
    assert 'Traceback' not in err, err[-3000:]


def main():
    import tempfile
    print('| tool | bad input | the line |\n|---|---|---|')
    with tempfile.TemporaryDirectory() as tmp:
        for case in CASES:
            _, err = refusal(case, tmp)
            line = [ln for ln in err.splitlines() if ln.startswith('error')]
            text = line[0] if line else err.strip()[-200:]
            print(f'| `{case[0].split()[0]}` | {case[1]}'
                  f'{" (" + case[2] + ")" if case[2] else ""} | '
                  f'`{text.replace(tmp, "TMP").replace("|", "/")}` |')


if __name__ == '__main__':
    main()
