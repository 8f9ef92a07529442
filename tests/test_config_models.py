"""Every shipped config builds the model it built before the configs were
moved onto shared bases (tests/data/config_models.json, recorded by
tests/data/record_config_models.py): moving bases, dropping widths that are
now filled from the backbone, or changing the code must leave what each
config builds unchanged."""
import json
import os.path as osp
import sys

import pytest
from mmengine import Config

from gvp.utils.fingerprint import config_fingerprint

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
RECORDED = osp.join(ROOT, 'tests', 'data', 'config_models.json')
sys.path.insert(0, osp.join(ROOT, 'tests', 'data'))
from record_config_models import shipped_configs  # noqa: E402


def recorded():
    with open(RECORDED) as f:
        return json.load(f)


def test_every_config_with_a_model_was_recorded(monkeypatch):
    monkeypatch.chdir(ROOT)
    with_model = [p for p in shipped_configs()
                  if 'model' in Config.fromfile(p)]
    assert sorted(recorded()) == sorted(with_model)


@pytest.mark.parametrize('path', sorted(recorded()))
def test_config_builds_the_recorded_model(path, monkeypatch):
    monkeypatch.chdir(ROOT)
    cfg = Config.fromfile(path)
    got = config_fingerprint(cfg.model, cfg.get('default_scope') or 'gvp')
    assert got == recorded()[path], f'{path} now builds another model'


def test_fingerprint_sees_a_change_of_the_model():
    cfg = Config.fromfile(osp.join(
        ROOT, 'configs/gvp/gvp-p2p_vit-tiny-p4_1xb64-600i_fashion-mnist.py'))
    base = config_fingerprint(cfg.model)
    for key, value in (('backbone.mask_generator.num_groups', 5),
                       ('target_generator.norm_pix', False),
                       ('backbone.mask_generator.order',
                        dict(type='RasterOrder'))):
        changed = cfg.copy()
        changed.merge_from_dict({f'model.{key}': value})
        assert config_fingerprint(changed.model) != base, key
