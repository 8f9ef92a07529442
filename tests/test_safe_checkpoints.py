"""Safe checkpoint loading, atomic writes and resume selection (fast)."""
import os
import subprocess
import sys

import pytest
import torch
from gvp_testing import TINY_TOKENIZER, tiny_backbone, write_malicious

from gvp.registry import MODELS
from gvp.utils import (CheckpointError, ResumeError, check_runner_checkpoint,
                       load_checkpoint_file, resolve_resume)
from gvp.utils.atomic_io import atomic_write
from gvp.utils.resume import check_load_from, find_resume_checkpoint


@pytest.fixture
def evil(tmp_path):
    marker = tmp_path / 'PWNED'
    path = write_malicious(tmp_path / 'iter_1.pth', marker)
    yield path, marker
    assert not marker.exists(), 'a checkpoint ran code'


def test_malicious_refused_by_every_in_process_path(evil):
    from mmengine.runner.checkpoint import CheckpointLoader, load_checkpoint
    path, marker = evil
    opt_in = f'--trust-checkpoint {path} .* or GVP_TRUST_CHECKPOINTS={path}'
    loaders = [
        lambda: load_checkpoint_file(path),
        # mmengine's loader: --resume, load_from and Pretrained all use it
        lambda: CheckpointLoader.load_checkpoint(path, map_location='cpu'),
        lambda: load_checkpoint(torch.nn.Linear(1, 1), path),
        lambda: check_runner_checkpoint(path),  # the resume preflight
        lambda: MODELS.build(tiny_backbone(
            mode='finetune', init_cfg=dict(type='Pretrained',
                                           checkpoint=path))).init_weights(),
        lambda: MODELS.build(dict(TINY_TOKENIZER, checkpoint=path)),
    ]
    for load in loaders:
        with pytest.raises(CheckpointError, match=opt_in) as e:
            load()
        assert 'posix.system' in str(e.value) and path in str(e.value)
        assert '\n' not in str(e.value)


def test_resume_without_path_skips_a_refused_checkpoint(evil):
    path, marker = evil
    with pytest.raises(ResumeError, match='none loadable.*refused by the '
                       f'safe loader.*GVP_TRUST_CHECKPOINTS={path}'):
        resolve_resume(os.path.dirname(path), 'auto', False)


def test_opt_in_loads_with_a_warning(evil, monkeypatch, capsys):
    """The opt-in really unpickles (so the refusals above are meaningful)."""
    path, marker = evil
    monkeypatch.setenv('GVP_TRUST_CHECKPOINTS', '1')
    with pytest.warns(UserWarning, match='full unpickling'):
        load_checkpoint_file(path)
    assert f'unsafe load of {path}' in capsys.readouterr().out
    assert marker.exists()
    marker.unlink()


def test_opt_in_covers_the_named_file_only(evil, monkeypatch, tmp_path):
    path, marker = evil
    other = write_malicious(tmp_path / 'other.pth', tmp_path / 'PWNED2')
    monkeypatch.setenv('GVP_TRUST_CHECKPOINTS', other)
    with pytest.raises(CheckpointError, match='refused by the safe loader'):
        load_checkpoint_file(path)
    assert not marker.exists()
    monkeypatch.setenv('GVP_TRUST_CHECKPOINTS', os.pathsep.join([other,
                                                                 path]))
    with pytest.warns(UserWarning, match='full unpickling'):
        load_checkpoint_file(path)
    assert marker.exists()
    marker.unlink()


def test_converter_refuses_then_obeys_trust_flag(evil, root, tmp_path):
    path, marker = evil
    cmd = [sys.executable, 'tools/model_converters/gvp2vit.py', path,
           str(tmp_path / 'out.pth')]
    proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1].startswith(
        f'error: checkpoint {path} refused by the safe loader')
    assert f'--trust-checkpoint {path}' in proc.stderr
    assert not (tmp_path / 'out.pth').exists()
    proc = subprocess.run(cmd + ['--trust-checkpoint', path], cwd=root,
                          capture_output=True, text=True)
    assert marker.exists()  # trusted: really unpickled (and ran)
    marker.unlink()


def _history_buffer_checkpoint(path, mmengine_pickling: bool):
    """A message-hub state saved with our pickling or with mmengine's own
    (``getattr(HistoryBuffer, 'mean')`` in the pickle)."""
    import numpy as np
    from mmengine.logging import HistoryBuffer, MessageHub

    from gvp.utils import compat
    hub = MessageHub.get_instance('ckpt-test')
    hub.update_scalar('train/loss', 0.5)
    hub.update_scalar('train/loss', 1.5)
    state = dict(meta=dict(iter=3, seed=np.int64(7)), state_dict={},
                 optimizer={}, message_hub=hub.state_dict())
    if mmengine_pickling:
        HistoryBuffer.__getstate__ = compat._original_getstate
    try:
        torch.save(state, path)
    finally:
        compat.pickle_history_buffers_without_methods()
    return path


@pytest.mark.parametrize('mmengine_pickling', [False, True])
def test_runner_state_loads_without_getattr(tmp_path, mmengine_pickling):
    path = _history_buffer_checkpoint(tmp_path / 'c.pth', mmengine_pickling)
    needs = torch.serialization.get_unsafe_globals_in_checkpoint(str(path))
    assert ('builtins.getattr' in needs) == mmengine_pickling
    ckpt = load_checkpoint_file(str(path))
    buf = ckpt['message_hub']['log_scalars']['train/loss']
    assert buf.mean() == 1.0 and buf.statistics('current') == 1.5
    assert int(ckpt['meta']['seed']) == 7


def test_restricted_getattr_is_not_getattr(tmp_path):
    """An old-style pickle calling getattr on anything but HistoryBuffer's
    statistics methods is refused, even on an allowlisted class."""
    from mmengine.logging import HistoryBuffer

    class Sneaky:
        def __reduce__(self):
            return (getattr, (HistoryBuffer, 'update'))
    torch.save({'x': Sneaky()}, tmp_path / 's.pth')
    with pytest.raises(CheckpointError, match='getattr.*not allowed'):
        load_checkpoint_file(str(tmp_path / 's.pth'))


@pytest.mark.parametrize('content, says', [
    (b'', 'empty file'),
    (b'hello, not a checkpoint', 'not a torch checkpoint'),
    ('truncated', 'truncated or damaged'),
])
def test_bad_files_get_one_line(tmp_path, content, says):
    path = tmp_path / 'bad.pth'
    if content == 'truncated':
        torch.save({'w': torch.zeros(1000)}, path)
        data = path.read_bytes()
        path.write_bytes(data[:len(data) // 2])
    else:
        path.write_bytes(content)
    with pytest.raises(CheckpointError, match=says) as e:
        load_checkpoint_file(str(path))
    assert str(path) in str(e.value) and '\n' not in str(e.value)


def test_atomic_write_survives_kill_during_write(tmp_path):
    """SIGKILL while a large file is being written: the final name holds
    the old content, never a partial file."""
    target = tmp_path / 'iter_1.pth'
    atomic_write(str(target), b'old')
    code = ('import sys; from gvp.utils.atomic_io import atomic_write; '
            'print("go", flush=True); '
            f'atomic_write({str(target)!r}, b"x" * (1 << 29))')
    proc = subprocess.Popen([sys.executable, '-c', code],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == 'go'
    import time
    deadline = time.time() + 30
    # wait until the temporary file is being filled, then kill
    while time.time() < deadline and not any(
            p.name.endswith('.tmp') and p.stat().st_size > 0
            for p in tmp_path.iterdir()):
        time.sleep(0.01)
    proc.kill()
    proc.wait()
    assert target.read_bytes() == b'old'


def _runner_ckpt(path, it):
    torch.save(dict(meta=dict(iter=it), state_dict={}, optimizer={}), path)


def test_resume_takes_newest_loadable_and_names_broken(tmp_path):
    work = tmp_path / 'work'
    work.mkdir()
    for it in (10, 20, 30):
        _runner_ckpt(work / f'iter_{it}.pth', it)
    data = (work / 'iter_30.pth').read_bytes()
    (work / 'iter_30.pth').write_bytes(data[:len(data) // 2])
    (work / 'iter_40.pth').write_bytes(b'')
    # written by mmengine elsewhere: an absolute path into another folder
    (work / 'last_checkpoint').write_text('/elsewhere/work/iter_40.pth')
    logs = []
    path = resolve_resume(str(work), 'auto', False, log=logs.append)
    assert path == str(work / 'iter_20.pth')
    assert any('iter_40.pth: empty file' in m for m in logs)
    assert any('iter_30.pth: truncated' in m for m in logs)


def test_resume_refuses_empty_or_missing_work_dir(tmp_path):
    with pytest.raises(ResumeError, match='does not exist.*--fresh'):
        resolve_resume(str(tmp_path / 'typo'), 'auto', False)
    (tmp_path / 'empty').mkdir()
    (tmp_path / 'empty' / 'last_checkpoint').write_text('')
    with pytest.raises(ResumeError, match='no iter_N.pth'):
        find_resume_checkpoint(str(tmp_path / 'empty'))


def test_fresh_run_over_checkpoints_refused(tmp_path):
    _runner_ckpt(tmp_path / 'iter_5.pth', 5)
    with pytest.raises(ResumeError, match='already holds checkpoints'):
        resolve_resume(str(tmp_path), None, False)
    assert resolve_resume(str(tmp_path), None, True) is None
    with pytest.raises(ResumeError, match='contradict'):
        resolve_resume(str(tmp_path), 'auto', True)


def assert_hint_works(message, path):
    """The ``--cfg-options`` the message prints, pasted into train.py's
    parser and merged into a config, load ``path`` as the backbone."""
    import argparse
    import shlex

    from mmengine.config import Config, DictAction
    words = shlex.split(message.rsplit('--cfg-options ', 1)[1])
    words = [w for w in words if '=' in w]  # the options, not the prose
    words = [w.rstrip('.,)') for w in words]
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    cfg = Config(dict(model=dict(backbone=dict(type='X'))))
    cfg.merge_from_dict(parser.parse_args(['--cfg-options',
                                           *words]).cfg_options)
    assert cfg.model.backbone.init_cfg == dict(type='Pretrained',
                                               checkpoint=path)


def test_resume_hint_for_weights_only_works_pasted(tmp_path):
    torch.save({'state_dict': {'w': torch.zeros(1)}}, tmp_path / 'vit.pth')
    with pytest.raises(CheckpointError, match='not a training') as e:
        check_runner_checkpoint(str(tmp_path / 'vit.pth'))
    assert_hint_works(str(e.value), str(tmp_path / 'vit.pth'))


def test_load_from_converted_backbone_says_use_pretrained(tmp_path):
    from gvp_testing import tiny_gvp
    model = MODELS.build(tiny_gvp())
    backbone = {k[len('backbone.'):]: v for k, v in
                model.state_dict().items() if k.startswith('backbone.')}
    torch.save({'state_dict': backbone}, tmp_path / 'vit.pth')
    with pytest.raises(CheckpointError, match='--cfg-options model.backbone.'
                       'init_cfg.type=Pretrained') as e:
        check_load_from(model, str(tmp_path / 'vit.pth'))
    assert_hint_works(str(e.value), str(tmp_path / 'vit.pth'))
    torch.save({'state_dict': model.state_dict()}, tmp_path / 'full.pth')
    check_load_from(model, str(tmp_path / 'full.pth'))
    bad = dict(model.state_dict())
    bad['head.predictor.weight'] = torch.zeros(3, 3)
    torch.save({'state_dict': bad}, tmp_path / 'shape.pth')
    with pytest.raises(CheckpointError, match='mis-shaped.*head.predictor'):
        check_load_from(model, str(tmp_path / 'shape.pth'))


@pytest.fixture
def small_mount(tmp_path):
    """A 1 MiB tmpfs (root only: CI runs as root) and a read-only one."""
    full, ro = tmp_path / 'full', tmp_path / 'ro'
    full.mkdir()
    ro.mkdir()
    mounted = []
    for path, opts in ((full, 'size=1m'), (ro, 'size=1m,ro')):
        if subprocess.run(['mount', '-t', 'tmpfs', '-o', opts, 'tmpfs',
                           str(path)], capture_output=True).returncode:
            pytest.skip('needs root to mount a tmpfs')
        mounted.append(path)
    yield full, ro
    for path in mounted:
        subprocess.run(['umount', str(path)])


def test_disk_full_and_read_only_say_one_line(small_mount):
    from gvp.utils.atomic_io import WriteError
    full, ro = small_mount
    atomic_write(str(full / 'iter_1.pth'), b'old')
    with pytest.raises(WriteError, match=r'no space left to write .*iter_2'
                       r'.pth: it needs 2.0 MiB, 1.0 MiB are free') as e:
        atomic_write(str(full / 'iter_2.pth'), b'x' * (2 << 20))
    assert '\n' not in str(e.value)
    # the previous file survives and no temporary is left
    assert sorted(p.name for p in full.iterdir()) == ['iter_1.pth']
    with pytest.raises(WriteError, match='cannot write .*ro/iter_1.pth: '
                       'read-only file system .*give a writable --work-dir'):
        atomic_write(str(ro / 'iter_1.pth'), b'x')


def test_checkpoints_get_the_umask_mode(tmp_path):
    before = os.umask(0o022)
    try:
        atomic_write(str(tmp_path / 'iter_1.pth'), b'x')
    finally:
        os.umask(before)
    assert (tmp_path / 'iter_1.pth').stat().st_mode & 0o777 == 0o644


def test_malformed_ann_file_lines_are_named(tmp_path):
    from gvp.utils import DataError
    from gvp.utils.preflight import check_ann_lines
    ann = tmp_path / 'train.txt'
    for text, says in (('a.png 0\n\nb.png 1\n', 'line 2 is blank'),
                       ('a.png 0\nb.png\n', "line 2 is 'b.png', not"),
                       ('a.png 0\nb.png 12\n', 'line 2 has label 12, '
                        'outside 0..9')):
        ann.write_text(text)
        with pytest.raises(DataError, match=f'where: {ann} {says}'):
            check_ann_lines(str(ann), 'where', num_classes=10)
    ann.write_text('a.png 0\nb.png 9\n\n')  # trailing blank lines are fine
    check_ann_lines(str(ann), 'where', num_classes=10)
    ann.write_text('a.png\nb.png\n')  # no labels (pretraining) is fine
    check_ann_lines(str(ann), 'where')


def test_legacy_format_checkpoint_loads_safely(tmp_path):
    """Non-zip (torch < 1.6) files are not "damaged": they load, through
    the allowlist, also where the resume preflight maps files."""
    path = tmp_path / 'iter_3.pth'
    torch.save(dict(meta=dict(iter=3), state_dict={'w': torch.ones(2)},
                    optimizer={}), path, _use_new_zipfile_serialization=False)
    assert torch.equal(load_checkpoint_file(str(path))['state_dict']['w'],
                       torch.ones(2))
    assert check_runner_checkpoint(str(path))['meta']['iter'] == 3


def test_read_only_work_dir_is_one_line(small_mount, root):
    _, ro = small_mount
    proc = subprocess.run(
        [sys.executable, 'tools/train.py', 'configs/gvp/gvp-p2p_vit-tiny-'
         'p4_1xb64-600i_fashion-mnist.py', '--work-dir', str(ro / 'w')],
        cwd=root, capture_output=True, text=True)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1] == (
        f'error: work dir {ro}/w cannot be written (Read-only file system): '
        'give a writable --work-dir')
