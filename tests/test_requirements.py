"""One source of truth for what gets installed: requirements/*.txt,
constraints.txt, setup.py, tools/install.sh and tools/misc/check_env.py
agree (tools/misc/check_env.py's docstring says how)."""
import importlib.metadata as metadata
import os.path as osp
import re
import setuptools
import shutil
import subprocess
import sys

import pytest

sys.path.insert(0, osp.join(osp.dirname(__file__), '..', 'tools', 'misc'))
import check_env  # noqa: E402

INSTALLED = metadata.version


@pytest.fixture(scope='module')
def setup_kwargs():
    """The keyword arguments setup.py hands to ``setuptools.setup``."""
    root = osp.join(osp.dirname(__file__), '..')
    captured = {}
    real = setuptools.setup
    setuptools.setup = lambda **kw: captured.update(kw)
    argv = sys.argv
    try:
        sys.argv = ['setup.py', '--name']  # neither develop nor a build
        scope = {'__file__': osp.join(root, 'setup.py'), '__name__': 'x'}
        exec(open(osp.join(root, 'setup.py')).read(), scope)
    finally:
        setuptools.setup, sys.argv = real, argv
    captured['MIM_FILES'] = scope['MIM_FILES']
    return captured


def reqs(*files):
    return list(dict.fromkeys(sum((check_env.read(f) for f in files), [])))


def test_setup_declares_what_check_env_demands(setup_kwargs):
    assert setup_kwargs['install_requires'] == reqs(*check_env.RUNTIME)
    extras = setup_kwargs['extras_require']
    for name, (path, _) in check_env.EXTRAS.items():
        assert extras[name] == check_env.read(path), name
    # every other extra (mim's) is already part of the runtime
    for name in set(extras) - set(check_env.EXTRAS):
        assert set(extras[name]) <= set(setup_kwargs['install_requires'])


def test_install_sh_installs_what_check_env_demands(root):
    """Without flags install.sh installs BUILD + RUNTIME; each flag of
    EXTRAS adds its file."""
    by_flag = {}
    for line in open(osp.join(root, 'tools', 'install.sh')):
        if line.lstrip().startswith('#'):
            continue
        flag = re.search(r'WITH_(\w+)" = 1', line)
        for name in re.findall(r'requirements/(\w+\.txt)', line):
            if name != 'constraints.txt':
                by_flag.setdefault(flag and flag.group(1), set()).add(name)
    assert by_flag.pop(None) == set(check_env.BUILD + check_env.RUNTIME)
    flags = {flag.lstrip('-').upper(): {path}
             for path, flag in check_env.EXTRAS.values()}
    assert by_flag == flags
    text = open(osp.join(root, 'tools', 'install.sh')).read()
    for _, flag in check_env.EXTRAS.values():
        assert f'{flag}) WITH_' in text, flag


def test_every_pin_is_required_somewhere_and_in_its_range():
    files = check_env.BUILD + check_env.RUNTIME + tuple(
        path for path, _ in check_env.EXTRAS.values())
    specs = {}
    for requirement in reqs(*files):
        name, spec = check_env.split(requirement)
        specs.setdefault(name, []).append(spec)
    for name, version in check_env.pins().items():
        assert name in specs, f'{name} pinned but in no requirement file'
        for spec in specs[name]:
            assert check_env.satisfies(version, spec), (name, version, spec)


def run_check(monkeypatch, capsys, missing, versions=None):
    """check_env's exit status and output with ``missing`` uninstalled and
    ``versions`` installed instead of what is."""
    def version(name):
        if name in missing:
            raise metadata.PackageNotFoundError(name)
        return (versions or {}).get(name) or INSTALLED(name)

    monkeypatch.setattr(check_env.metadata, 'version', version)
    rc = check_env.main()
    return rc, capsys.readouterr()


def test_check_env_demands_runtime_and_only_notes_extras(monkeypatch,
                                                         capsys):
    rc, out = run_check(monkeypatch, capsys, set())
    assert rc == 0, out.err
    # what install.sh installs without flags (yapf comes with mmengine)
    extras = {check_env.split(r)[0] for r in reqs('tests.txt')} - {'yapf'}
    rc, out = run_check(monkeypatch, capsys, extras)
    assert rc == 0, out.err
    assert 'not installed (optional, optional.txt): tensorboard, lpips, ' \
        'grad-cam, onnx, onnxscript, onnxruntime; ' \
        'add with bash tools/install.sh --extras' in out.out
    assert 'not installed (optional, tests.txt): pytest, pytest-xdist, ' \
        'flake8, isort; add with bash tools/install.sh --tests' in out.out
    rc, out = run_check(monkeypatch, capsys, {'lpips'})
    assert rc == 0 and 'optional.txt): lpips;' in out.out
    # an installed extra is held to its pin
    rc, out = run_check(monkeypatch, capsys, set(), {'lpips': '0.1.1'})
    assert rc == 1 and 'lpips 0.1.1 installed, 0.1.4 pinned: add with ' \
        'bash tools/install.sh --extras' in out.err
    rc, out = run_check(monkeypatch, capsys, {'scikit-learn'})
    assert rc == 1 and 'scikit-learn is not installed: run bash ' \
        'tools/install.sh' in out.err


def test_check_env_runs_from_the_installed_package_layout(setup_kwargs,
                                                          tmp_path, root):
    """A wheel ships ``gvp/.mim/<MIM_FILES>``: check_env.py there finds the
    requirement files it reads."""
    mim = tmp_path / 'gvp' / '.mim'
    (mim / 'tools' / 'misc').mkdir(parents=True)
    shutil.copy(osp.join(root, 'tools', 'misc', 'check_env.py'),
                mim / 'tools' / 'misc')
    if 'requirements' in setup_kwargs['MIM_FILES']:
        shutil.copytree(osp.join(root, 'requirements'), mim / 'requirements')
    run = subprocess.run(
        [sys.executable, str(mim / 'tools' / 'misc' / 'check_env.py')],
        capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
