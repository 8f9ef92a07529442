"""What README.md says of the code is true: the suite's size, the FLOPs
ratio get_flops prints, and every option it shows a tool with."""
import re
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow
#: tools whose first word is a sub-command with its own options
SUBCOMMANDS = ('tools/mmpretrain_tool.py',
               'tools/analysis_tools/analyze_logs.py')
DEMO = 'configs/gvp/gvp-p2p_vit-tiny-p4_1xb64-600i_fashion-mnist.py'


def readme(root):
    with open(f'{root}/README.md') as f:
        return f.read()


def _run(root, *argv):
    proc = subprocess.run([sys.executable, *argv], cwd=root,
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def test_the_suite_size_is_the_collected_count(root):
    said = int(re.search(r'The suite \((\d+) tests;', readme(root))[1])
    out = _run(root, '-m', 'pytest', '--collect-only', '-q', '-n', '0')
    collected = int(re.search(r'(\d+) tests? collected', out)[1])
    assert said == collected


def test_the_flops_ratio_is_what_get_flops_prints(root):
    m = re.search(r'batch 8, seed 0: ([\d.]+)x measured, ([\d.]+)x '
                  r'analytic', readme(root))
    out = _run(root, 'tools/analysis_tools/get_flops.py', DEMO)
    assert f'measured {m[1]}, analytic {m[2]}' in out


def _shown_options(text):
    """``{tool: {--option, ...}}`` of the tool invocations in the text."""
    shown = {}
    for m in re.finditer(r'(tools/[\w/]+\.py)([^`\n|]*)', text):
        flags = re.findall(r'(?<![\w-])(--[a-z][\w-]*)', m[2])
        tool = m[1]
        sub = re.match(r' ([a-z]\w+)', m[2])
        if tool in SUBCOMMANDS and sub:  # its options are the command's
            tool = f'{tool} {sub[1]}'
        shown.setdefault(tool, set()).update(flags)
    return {tool: flags for tool, flags in shown.items() if flags}


def test_every_option_shown_exists(root):
    text = readme(root)
    m = re.search(r'take `--cfg-options`: (.+?)\.\s', text, re.S)
    cfg_tools = re.findall(r'`(tools/[\w/]+\.py)`', m[1])
    shown = _shown_options(text)
    for tool in cfg_tools:
        shown.setdefault(tool, set()).add('--cfg-options')
    assert len(shown) >= 5 and len(cfg_tools) >= 3
    for tool, flags in sorted(shown.items()):
        usage = _run(root, *tool.split(), '--help')
        missing = {f for f in flags if f not in usage}
        assert not missing, f'{tool} has no {missing}'
