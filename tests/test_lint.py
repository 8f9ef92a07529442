"""The tree passes the lint configuration of setup.cfg (flake8, isort)."""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PATHS = ['gvp', 'tools', 'tests', 'configs', 'setup.py']


@pytest.mark.parametrize('tool', [
    ['flake8'],
    ['isort', '--check-only', '--diff'],
])
def test_lint(tool):
    proc = subprocess.run([sys.executable, '-m', *tool, *PATHS], cwd=ROOT,
                          capture_output=True, text=True)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
