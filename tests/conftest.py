"""Shared fixtures. The tree is not a package (mmsegmentation installs a
top-level ``tests`` package into site-packages; ours must not clash), so
helpers live here and in ``tests/gvp_testing.py`` (put on sys.path below)."""
import os
import sys

import pytest
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'tests'))
# the Fashion-MNIST converter is a tool script, imported by tests as a module
sys.path.insert(0, os.path.join(ROOT, 'tools', 'dataset_converters'))
# tools run as subprocesses must import this checkout's gvp too
os.environ['PYTHONPATH'] = os.pathsep.join(
    p for p in (ROOT, os.environ.get('PYTHONPATH')) if p)
if os.environ.get('PYTEST_XDIST_WORKER'):
    # one worker per core: one thread each, here and in the tools it runs,
    # unless OMP_NUM_THREADS is set (the suite must pass at any thread count)
    torch.set_num_threads(int(os.environ.setdefault('OMP_NUM_THREADS', '1')))


@pytest.fixture(autouse=True)
def _gvp_scope():
    from mmengine.registry import init_default_scope

    import gvp  # noqa: F401
    init_default_scope('gvp')
    torch.manual_seed(0)
    yield


@pytest.fixture
def root():
    return ROOT


FMNIST_SRC = '/usr/share/datasets/fashion-mnist'


@pytest.fixture(scope='session')
def fashion_mnist_subset(tmp_path_factory):
    """A small slice of the real Fashion-MNIST in mmpretrain's layout."""
    if not os.path.isdir(FMNIST_SRC):
        pytest.fail(f'{FMNIST_SRC} missing: `apt-get install '
                    'dataset-fashion-mnist` (tools/run_tests.sh does it)')
    from fashion_mnist import convert
    out = tmp_path_factory.mktemp('fmnist')
    convert(FMNIST_SRC, str(out), limit=512)
    return str(out)
