"""Shared fixtures. The tree is not a package (mmsegmentation installs a
top-level ``tests`` package into site-packages; ours must not clash), so
helpers live here and in ``tests/helpers.py`` loaded through rootdir."""
import os
import sys

import pytest
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'tests'))


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
