"""End to end: NaN stops, kill -9 and resume, bit-equal resume, refused
checkpoints and bad data through tools/train.py (slow)."""
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from glob import glob

import pytest
import torch
from gvp_testing import dist_env, logged_scalars, write_malicious

from gvp.utils import load_checkpoint_file

pytestmark = pytest.mark.slow
DEMO = 'configs/gvp/gvp-p2p_vit-tiny-p4_1xb64-600i_fashion-mnist.py'


def _config(tmp_path, root, data_root, extra=''):
    """The demo with a tiny ViT, per-iteration logging without smoothing
    (window 1), checkpoints every 10 iterations."""
    cfg = tmp_path / 'cfg.py'
    cfg.write_text(f"""
_base_ = '{root}/{DEMO}'
model = dict(
    backbone=dict(arch=dict(_delete_=True, embed_dims=32, num_layers=2,
                            num_heads=2, feedforward_channels=64)))
train_dataloader = dict(batch_size=16, num_workers=0,
                        persistent_workers=False,
                        dataset=dict(data_root='{data_root}'))
param_scheduler = [dict(type='LinearLR', start_factor=0.1, by_epoch=False,
                        begin=0, end=5)]
default_hooks = dict(logger=dict(interval=1),
                     checkpoint=dict(interval=10, max_keep_ckpts=2))
log_processor = dict(window_size=1)
custom_hooks = []
{extra}
""")
    return str(cfg)


def _env():
    tests = os.path.dirname(os.path.abspath(__file__))
    env = dict(os.environ, OMP_NUM_THREADS='1')
    env['PYTHONPATH'] = os.pathsep.join([tests, env.get('PYTHONPATH', '')])
    return env


def _train(root, cfg, work, *extra, env=None):
    return subprocess.run(
        [sys.executable, 'tools/train.py', cfg, '--work-dir', work, *extra],
        cwd=root, capture_output=True, text=True, env=env or _env())


def _losses(work):
    return {r['iter']: r['loss'] for r in logged_scalars(work)}


def _last_error_line(proc):
    return proc.stderr.strip().splitlines()[-1]


def test_nan_stops_in_its_iteration_and_keeps_last_good(
        tmp_path, root, fashion_mnist_subset):
    cfg = _config(tmp_path, root, fashion_mnist_subset, """
custom_imports = dict(imports=['nan_injection'], allow_failed_imports=False)
custom_hooks = [dict(type='InjectNaNHook', at=12)]
default_hooks['checkpoint'].update(interval=5, max_keep_ckpts=1)
""")
    work = str(tmp_path / 'work')
    proc = _train(root, cfg, work, '--cfg-options', 'train_cfg.max_iters=30')
    assert proc.returncode != 0
    line = _last_error_line(proc)
    assert line.startswith('error: iteration 12: loss=nan'), line
    assert f'Last good checkpoint: {work}/iter_10.pth' in line
    assert sorted(os.listdir(work)).count('iter_10.pth') == 1
    assert not glob(f'{work}/iter_1[5-9].pth') + glob(f'{work}/iter_[2-9]*')
    state = load_checkpoint_file(f'{work}/iter_10.pth')['state_dict']
    assert all(torch.isfinite(v).all() for v in state.values())
    assert max(_losses(work)) == 11  # iteration 12 was never logged


def test_huge_lr_stops_instead_of_saving_nan(tmp_path, root,
                                             fashion_mnist_subset):
    cfg = _config(tmp_path, root, fashion_mnist_subset)
    work = str(tmp_path / 'work')
    proc = _train(root, cfg, work, '--cfg-options', 'train_cfg.max_iters=40',
                  'optim_wrapper.optimizer.lr=1000.0')
    assert proc.returncode != 0
    assert 'error: iteration ' in _last_error_line(proc)
    for path in glob(f'{work}/iter_*.pth'):
        state = load_checkpoint_file(path)['state_dict']
        assert all(torch.isfinite(v).all() for v in state.values()), path


def test_malicious_checkpoint_refused_by_train_tool(tmp_path, root,
                                                    fashion_mnist_subset):
    cfg = _config(tmp_path, root, fashion_mnist_subset)
    marker = tmp_path / 'PWNED'
    work = tmp_path / 'work'
    work.mkdir()
    # outside the work dir: --fresh would move it aside
    evil = write_malicious(tmp_path / 'iter_10.pth', marker)
    # (``--resume`` without a path refuses it too: test_safe_checkpoints)
    runs = {
        '--resume PATH': ('--resume', evil),
        'load_from': ('--fresh', '--cfg-options', f'load_from={evil}'),
    }
    for what, args in runs.items():
        proc = _train(root, cfg, str(work), *args)
        assert proc.returncode == 1, what
        line = _last_error_line(proc)
        assert 'refused by the safe loader' in line, (what, line)
        assert f'GVP_TRUST_CHECKPOINTS={evil}' in line, (what, line)
    assert not marker.exists()


def test_resume_is_bit_exact_and_copied_work_dir_uses_own_files(
        tmp_path, root, fashion_mnist_subset):
    cfg = _config(tmp_path, root, fashion_mnist_subset)
    full = str(tmp_path / 'full')
    proc = _train(root, cfg, full, '--cfg-options', 'train_cfg.max_iters=30')
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert open(f'{full}/last_checkpoint').read() == 'iter_30.pth'
    # the run "interrupted" after iteration 20, in a copy of its work dir
    copy = str(tmp_path / 'copy')
    shutil.copytree(full, copy)
    os.remove(f'{copy}/iter_30.pth')
    for run in glob(f'{copy}/2*'):
        shutil.rmtree(run)
    proc = _train(root, cfg, copy, '--resume', '--cfg-options',
                  'train_cfg.max_iters=30')
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert f'resuming from {copy}/iter_20.pth' in proc.stdout + proc.stderr
    a, b = _losses(full), _losses(copy)
    assert sorted(b) == list(range(21, 31))
    assert [a[i] for i in b] == [b[i] for i in b]  # bit for bit
    assert os.path.isfile(f'{copy}/iter_30.pth')

    # the same checkpoint as plain mmengine 0.10.7 pickles it (a process
    # without gvp: HistoryBuffer statistics through builtins.getattr)
    plain = str(tmp_path / 'plain.pth')
    subprocess.run([sys.executable, '-c', (
        'import torch, mmengine.logging; '
        f'c = torch.load({full + "/iter_20.pth"!r}, weights_only=False); '
        f'torch.save(c, {plain!r})')], check=True, env=dict(os.environ,
                                                            PYTHONPATH=''))
    needs = torch.serialization.get_unsafe_globals_in_checkpoint(plain)
    assert 'builtins.getattr' in needs
    proc = _train(root, cfg, str(tmp_path / 'from_plain'), '--resume', plain,
                  '--cfg-options', 'train_cfg.max_iters=25')
    assert proc.returncode == 0, proc.stderr[-3000:]
    c = _losses(str(tmp_path / 'from_plain'))
    assert [c[i] for i in range(21, 26)] == [a[i] for i in range(21, 26)]


def test_resume_is_bit_exact_with_two_processes(tmp_path, root,
                                                fashion_mnist_subset):
    cfg = _config(tmp_path, root, fashion_mnist_subset)

    def dist_train(work, *extra):
        env = dist_env()
        env['PYTHONPATH'] = _env()['PYTHONPATH']
        proc = subprocess.run(
            ['bash', 'tools/dist_train.sh', cfg, '2', '--work-dir', work,
             *extra, '--cfg-options', 'train_cfg.max_iters=30'],
            cwd=root, capture_output=True, text=True, env=env)
        assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]

    full = str(tmp_path / 'full')
    dist_train(full)
    ckpt = load_checkpoint_file(f'{full}/iter_20.pth')
    assert len(ckpt['message_hub']['runtime_info']['rng_states']) == 2
    part = str(tmp_path / 'part')
    os.makedirs(part)
    shutil.copy(f'{full}/iter_20.pth', part)
    dist_train(part, '--resume')
    a, b = _losses(full), _losses(part)
    assert sorted(b) == list(range(21, 31))
    assert [a[i] for i in b] == [b[i] for i in b]


def test_kill_9_at_random_points_then_resume(tmp_path, root,
                                             fashion_mnist_subset):
    """SIGKILL at 20 random moments of a run that saves every iteration
    (tests/kill_resume_driver.py): after each, every file under a
    checkpoint's final name is complete, the next ``--auto-resume`` starts
    from the newest one, and the run finally finishes."""
    cfg = _config(tmp_path, root, fashion_mnist_subset, """
default_hooks['checkpoint'].update(interval=1, max_keep_ckpts=2)
# mmengine replays the data loader up to the resume point: keep it cheap
train_dataloader['batch_size'] = 4
""")
    work = str(tmp_path / 'work')
    proc = subprocess.run(
        [sys.executable, 'tests/kill_resume_driver.py', cfg, work, '300',
         '20', '0'], cwd=root, capture_output=True, text=True, env=_env())
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert len(out['kills']) == 20
    for row in out['kills']:
        assert row['resumed'] == row['before']  # newest complete one
        assert row['after'] is not None and row['after'] >= (
            row['before'] or 1)
    assert out['exit'] == 0
    assert out['final'][-1] == out['expected_final'] > 20
    # rotation held after every resume, and no temporaries were left
    assert len(out['final']) == 2, out['final']
    assert sorted(glob(f'{work}/*.pth')) == sorted(
        f'{work}/iter_{it}.pth' for it in out['final'])
    assert not glob(f'{work}/*.tmp') + glob(f'{work}/.*.tmp')


def test_hung_rank_ends_the_job_with_its_name(tmp_path, root,
                                              fashion_mnist_subset):
    cfg = _config(tmp_path, root, fashion_mnist_subset, """
env_cfg = dict(dist_cfg=dict(timeout=10))
""")
    work = str(tmp_path / 'work')
    env = dist_env()
    env['PYTHONPATH'] = _env()['PYTHONPATH']
    proc = subprocess.Popen(
        ['bash', 'tools/dist_train.sh', cfg, '2', '--work-dir', work,
         '--cfg-options', 'train_cfg.max_iters=100000'],
        cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, env=env, start_new_session=True)
    rank1 = None
    try:
        deadline = time.time() + 120
        while time.time() < deadline and not logged_scalars(work):
            time.sleep(0.2)
        assert logged_scalars(work), 'training did not start'
        rank1 = _pid_of_rank(proc.pid, 1)
        os.kill(rank1, signal.SIGSTOP)
        stopped = time.time()
        out, _ = proc.communicate(timeout=120)
        took = time.time() - stopped
    finally:
        if rank1 is not None:
            try:
                os.kill(rank1, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode != 0
    assert took < 10 + 60, took  # timeout + the launcher's shutdown grace
    assert 'error: rank 0: a collective operation got no answer within 10' \
        in out, out[-3000:]
    assert 'rank 1 (last reported iteration' in out


def _pid_of_rank(root_pid, rank):
    """The worker process of ``rank`` below the launcher ``root_pid``."""
    for pid in os.listdir('/proc'):
        if not pid.isdigit():
            continue
        try:
            env = open(f'/proc/{pid}/environ', 'rb').read().split(b'\0')
            cmdline = open(f'/proc/{pid}/cmdline', 'rb').read()
        except OSError:
            continue
        if b'tools/train.py' in cmdline and f'RANK={rank}'.encode() in env \
                and _descends(int(pid), root_pid):
            return int(pid)
    raise AssertionError(f'no process of rank {rank}')


def _descends(pid, ancestor):
    while pid > 1:
        if pid == ancestor:
            return True
        try:
            stat = open(f'/proc/{pid}/stat').read()
        except OSError:
            return False
        pid = int(stat.rsplit(')', 1)[1].split()[1])
    return False


def test_resume_names_what_the_checkpoint_overrides(tmp_path, root,
                                                    fashion_mnist_subset):
    """A lower lr on resume is ignored by mmengine (optimizer and scheduler
    state win): the run says so in one warning, ``--reset-lr`` takes the
    config's lr, and a max_iters below the checkpoint is refused."""
    cfg = _config(tmp_path, root, fashion_mnist_subset)
    work = str(tmp_path / 'work')
    assert _train(root, cfg, work, '--cfg-options',
                  'train_cfg.max_iters=10').returncode == 0
    lower = ('optim_wrapper.optimizer.lr=1e-5', 'train_cfg.max_iters=12')
    proc = _train(root, cfg, work, '--resume', '--cfg-options', *lower)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = proc.stdout + proc.stderr
    assert 'resume: the checkpoint overrides the config: optimizer lr ' \
        '0.00015 (config 1e-05)' in out and '--reset-lr' in out
    assert 'resuming from' in out and 'named by last_checkpoint' in out
    lr_kept = {r['iter']: r['lr'] for r in logged_scalars(work)}[12]
    shutil.rmtree(work + '_b', ignore_errors=True)
    shutil.copytree(work, work + '_b')
    for path in glob(f'{work}_b/iter_12.pth'):
        os.remove(path)
    (tmp_path / 'work_b' / 'last_checkpoint').write_text('iter_10.pth')
    proc = _train(root, cfg, work + '_b', '--resume', '--reset-lr',
                  '--cfg-options', *lower)
    assert proc.returncode == 0, proc.stderr[-2000:]
    lr_reset = {r['iter']: r['lr'] for r in logged_scalars(work + '_b')}[12]
    assert lr_reset == pytest.approx(lr_kept * 1e-5 / 1.5e-4)
    proc = _train(root, cfg, work, '--resume', '--cfg-options',
                  'model.backbone.arch.embed_dims=64')
    assert proc.returncode == 1 and _last_error_line(proc).startswith(
        "error: resume: the checkpoint's model does not fit this config "
        '(mis-shaped'), proc.stderr[-1500:]
    proc = _train(root, cfg, work, '--resume', '--cfg-options',
                  'train_cfg.max_iters=4')
    assert proc.returncode == 1
    assert _last_error_line(proc) == (
        "error: resume: train_cfg.max_iters=4 is below the checkpoint's "
        'iteration 12: nothing to train; raise train_cfg.max_iters or '
        'start over with --fresh')


def test_flipped_bits_and_non_finite_moments_refused_at_load(tmp_path):
    from gvp.utils import CheckpointError
    good = tmp_path / 'iter_1.pth'
    torch.save(dict(meta={}, state_dict={'w': torch.randn(1000)},
                    optimizer={}), good)
    data = bytearray(good.read_bytes())
    at = data.find(b'data/0') + 400
    data[at:at + 8] = bytes(b ^ 0xFF for b in data[at:at + 8])
    flipped = tmp_path / 'iter_2.pth'
    flipped.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match='iter_2.pth: damaged, record '
                       r'.*data/0 fails its CRC-32'):
        load_checkpoint_file(str(flipped))
    inf = tmp_path / 'iter_3.pth'
    torch.save(dict(meta={}, state_dict={'w': torch.ones(2)}, optimizer={
        'state': {0: {'exp_avg_sq': torch.tensor([float('inf')])}}}), inf)
    with pytest.raises(CheckpointError, match='optimizer.state.0.exp_avg_sq '
                       'hold NaN/inf'):
        load_checkpoint_file(str(inf))
    assert load_checkpoint_file(str(good))['state_dict']['w'].shape == (1000,)


def test_disk_full_during_a_save_stops_in_one_line(tmp_path, root,
                                                   fashion_mnist_subset):
    """A work dir on a 96 KiB tmpfs: logs fit, the first checkpoint does
    not. The run stops with one line naming the size needed."""
    work = tmp_path / 'small'
    work.mkdir()
    if subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=96k', 'tmpfs',
                       str(work)], capture_output=True).returncode:
        pytest.skip('needs root to mount a tmpfs')
    try:
        cfg = _config(tmp_path, root, fashion_mnist_subset)
        proc = _train(root, cfg, str(work / 'w'), '--cfg-options',
                      'train_cfg.max_iters=10')
    finally:
        subprocess.run(['umount', str(work)])
    assert proc.returncode == 1, proc.stderr[-2000:]
    line = _last_error_line(proc)
    assert line.startswith(f'error: no space left to write {work}/w/'
                           'iter_10.pth: it needs '), line
    assert 'Training stopped; last good checkpoint: (none saved yet)' in line
