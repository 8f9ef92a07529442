"""gvp: Generative Visual Pretraining toolbox (OpenMMLab 2.0).

Install with ``bash tools/install.sh`` (it also installs mmcv with compiled
ops); ``pip install -e .`` alone assumes the OpenMMLab stack is present.
"""
import os.path as osp

from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))


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


setup(
    name='gvp',
    version=version(),
    description='Generative Visual Pretraining: two-stream ViT pretraining '
    'with universal causal masks, in the OpenMMLab 2.0 style',
    long_description=open(osp.join(HERE, 'README.md')).read()
    if osp.isfile(osp.join(HERE, 'README.md')) else '',
    long_description_content_type='text/markdown',
    packages=find_packages(include=['gvp', 'gvp.*']),
    python_requires='>=3.8',
    install_requires=read_requirements('runtime.txt'),
    extras_require={
        'mim': read_requirements('mminstall.txt'),
        'tests': read_requirements('tests.txt'),
        'optional': read_requirements('optional.txt'),
    },
    license='Apache License 2.0',
    zip_safe=False)
