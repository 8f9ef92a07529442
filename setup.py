"""gvp: Generative Visual Pretraining toolbox (OpenMMLab 2.0).

Install with ``bash tools/install.sh`` (the tested stack, mmcv with
compiled ops). ``pip install . -c requirements/constraints.txt`` installs the
package with its configs and tools (``gvp/.mim``, for ``mim train gvp``);
mmcv with compiled ops must be installable (a wheel for your torch).
"""
import os
import os.path as osp
import shutil
import sys
from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))
# requirements/: tools/misc/check_env.py reads it in an installed package
MIM_FILES = ['configs', 'tools', 'model-index.yml', 'requirements']


def add_mim_extension():
    """Ship configs, tools and the model index inside the package, in
    ``gvp/.mim/`` (mmpretrain's layout, what ``mim train gvp CONFIG``
    looks for): copied for a wheel / sdist, symlinked for an editable
    install."""
    if 'develop' in sys.argv or 'editable_wheel' in sys.argv:
        mode = 'symlink'
    elif 'sdist' in sys.argv or 'bdist_wheel' in sys.argv:
        mode = 'copy'
    else:
        return
    mim_dir = osp.join(HERE, 'gvp', '.mim')
    os.makedirs(mim_dir, exist_ok=True)
    for name in MIM_FILES:
        src, dst = osp.join(HERE, name), osp.join(mim_dir, name)
        if not osp.exists(src):
            continue
        if osp.islink(dst) or osp.isfile(dst):
            os.remove(dst)
        elif osp.isdir(dst):
            shutil.rmtree(dst)
        if mode == 'symlink':
            os.symlink(osp.relpath(src, mim_dir), dst)
        elif osp.isdir(src):
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns(
                '__pycache__', '*.pyc'))
        else:
            shutil.copyfile(src, dst)


def read_requirements(name):
    """Specifiers of ``requirements/<name>``, following ``-r other.txt``."""
    path = osp.join(HERE, 'requirements', name)
    out = []
    with open(path) as f:
        for line in f:
            line = line.split('#')[0].strip()
            if line.startswith('-r '):
                out += read_requirements(line[3:].strip())
            elif line:
                out.append(line)
    return out


def version():
    scope = {}
    with open(osp.join(HERE, 'gvp', 'version.py')) as f:
        exec(f.read(), scope)
    return scope['__version__']


add_mim_extension()
setup(
    name='gvp',
    version=version(),
    description='Generative Visual Pretraining: two-stream ViT pretraining '
    'with universal causal masks, in the OpenMMLab 2.0 style',
    long_description=open(osp.join(HERE, 'README.md')).read()
    if osp.isfile(osp.join(HERE, 'README.md')) else '',
    long_description_content_type='text/markdown',
    packages=find_packages(include=['gvp', 'gvp.*']),
    include_package_data=True,
    # torch 2.14 (the tested stack) needs Python 3.10+
    python_requires='>=3.10',
    # what tools/install.sh installs without flags and check_env.py demands
    # (its RUNTIME / EXTRAS; tests/test_requirements.py holds them equal)
    install_requires=read_requirements('runtime.txt') +
    read_requirements('mminstall.txt') + read_requirements('dense.txt'),
    extras_require={
        'mim': read_requirements('mminstall.txt'),
        'tests': read_requirements('tests.txt'),
        'optional': read_requirements('optional.txt'),
    },
    license='Apache License 2.0',
    zip_safe=False)
