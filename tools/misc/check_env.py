"""Check the installed stack against docs/design.md §8; exit non-zero with
the fix.

    python tools/misc/check_env.py
"""
import importlib
import importlib.util
import os.path as osp
import sys

CONSTRAINTS = osp.join(osp.dirname(osp.abspath(__file__)), '..', '..',
                       'requirements', 'constraints.txt')
MODULE = {'mmsegmentation': 'mmseg'}  # distribution -> module name


def pins(path=CONSTRAINTS):
    """``{module: version}`` of the exact ``name==version`` lines."""
    out = {}
    for line in open(path):
        line = line.split('#')[0].strip()
        if '==' in line:
            name, version = line.split('==')
            out[MODULE.get(name, name)] = version
    return out


def main() -> int:
    problems = []
    for name, pin in pins().items():
        try:
            from importlib.metadata import version as dist_version
            module = importlib.import_module(name)
            version = getattr(module, '__version__', None) or dist_version(
                {v: k for k, v in MODULE.items()}.get(name, name))
        except ImportError as e:
            problems.append(f'{name} is not importable ({e}): run '
                            'bash tools/install.sh')
            continue
        if version.split('+')[0] != pin:
            problems.append(f'{name} {version} installed, {pin} pinned: run '
                            'bash tools/install.sh')
        print(f'{name:<12}{version}')
    try:
        from mmcv.ops import RoIAlign, nms  # noqa: F401
        print('mmcv ops    compiled (mmcv._ext)')
    except (ImportError, ModuleNotFoundError) as e:
        problems.append(f'mmcv has no compiled ops ({e}): it was built '
                        'without torch visible; reinstall with bash '
                        'tools/install.sh (builds with --no-build-isolation)')
    if importlib.util.find_spec('transformers') is not None:
        problems.append('transformers is installed: mmpretrain 1.2.0 then '
                        'enables its multimodal models and breaks; '
                        'pip uninstall transformers')
    for mod in ('ftfy', 'regex'):
        if importlib.util.find_spec(mod) is None:
            problems.append(f'{mod} missing (mmseg imports it): pip install '
                            f'{mod}')
    for p in problems:
        print('PROBLEM:', p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
