"""Check the installed stack against requirements/ (docs/design.md §8); exit
non-zero with the fix.

    python tools/misc/check_env.py

The requirement files are the one source of truth. ``tools/install.sh``
without flags installs :data:`BUILD` and :data:`RUNTIME` (``setup.py``'s
``install_requires`` is :data:`RUNTIME`), and this script demands exactly
those, each at its ``requirements/constraints.txt`` pin where it has one.
Each group of :data:`EXTRAS` (``setup.py``'s ``extras_require``) is checked
only where installed (an installed extra must be at its pin); what is not
installed is named, with the command that adds it, and is no problem.
``tests/test_requirements.py`` fails when these disagree.
"""
import importlib.metadata as metadata
import importlib.util
import os.path as osp
import re
import sys

# gvp/.mim/tools/misc/ in an installed package, tools/misc/ in a checkout:
# requirements/ sits two levels up in both
REQUIREMENTS = osp.join(osp.dirname(osp.abspath(__file__)), '..', '..',
                        'requirements')
BUILD = ('build.txt', )
RUNTIME = ('runtime.txt', 'mminstall.txt', 'dense.txt')
# extra name (setup.py) -> (requirement file, the install.sh flag adding it)
EXTRAS = {
    'optional': ('optional.txt', '--extras'),
    'tests': ('tests.txt', '--tests'),
}


def read(name, root=REQUIREMENTS):
    """Requirement lines of ``requirements/<name>``, following ``-r``."""
    out = []
    with open(osp.join(root, name)) as f:
        for line in f:
            line = line.split('#')[0].strip()
            if line.startswith('-r '):
                out += read(line[3:].strip(), root)
            elif line:
                out.append(line)
    return out


def split(requirement):
    """``'mmcv>=2.0,<2.2'`` -> ``('mmcv', '>=2.0,<2.2')``."""
    name = re.match(r'[A-Za-z0-9_.\-]+', requirement).group(0)
    return name.lower(), requirement[len(name):].strip()


def pins(root=REQUIREMENTS):
    """``{distribution: version}`` of the ``name==version`` constraints."""
    return {name: spec[2:] for name, spec in map(split, read(
        'constraints.txt', root)) if spec.startswith('==')}


def satisfies(version, spec):
    """Whether ``version`` is inside ``spec`` (``packaging``, which
    matplotlib brings; without it only ``==`` pins are checked)."""
    try:
        from packaging.specifiers import SpecifierSet
    except ImportError:
        return not spec.startswith('==') or version == spec[2:]
    return SpecifierSet(spec).contains(version, prereleases=True)


def check(requirement, pinned):
    """``(version or None, problem or None)`` of one requirement."""
    name, spec = split(requirement)
    try:
        version = metadata.version(name)
    except metadata.PackageNotFoundError:
        return None, f'{name} is not installed'
    local = version.split('+')[0]  # torch's +cu130 / +cpu builds
    if name in pinned and local != pinned[name]:
        return version, f'{name} {version} installed, {pinned[name]} pinned'
    if spec and not satisfies(local, spec):
        return version, f'{name} {version} installed, {spec} required'
    return version, None


def check_group(files, pinned, required, fix, seen):
    """Print each requirement's version; return the problems, each ending in
    ``fix``. Requirements in ``seen`` (checked with an earlier group) are
    skipped and the rest added to it. In an optional group
    (``required=False``) what is not installed is one note, not a problem;
    what is installed must still be at its pin."""
    todo = [r for r in dict.fromkeys(sum((read(f) for f in files), []))
            if r not in seen]
    seen.update(todo)
    results = [(split(r)[0], *check(r, pinned)) for r in todo]
    missing = [name for name, version, _ in results if version is None]
    if not required and missing:
        print(f'not installed (optional, {"/".join(files)}): '
              f'{", ".join(missing)}; {fix}')
        results = [r for r in results if r[1] is not None]
    for name, version, _ in results:
        print(f'{name:<16}{version or "-"}')
    return [f'{problem}: {fix}' for _, _, problem in results if problem]


def stack_problems():
    """What the requirement files cannot say: compiled mmcv ops, no
    transformers next to mmpretrain 1.2.0."""
    problems = []
    try:
        from mmcv.ops import RoIAlign, nms  # noqa: F401
        print('mmcv ops        compiled (mmcv._ext)')
    except (ImportError, ModuleNotFoundError) as e:
        problems.append(f'mmcv has no compiled ops ({e}): it was built '
                        'without torch visible; reinstall with bash '
                        'tools/install.sh (builds with --no-build-isolation)')
    if importlib.util.find_spec('transformers') is not None:
        problems.append('transformers is installed: mmpretrain 1.2.0 then '
                        'enables its multimodal models and breaks; '
                        'pip uninstall transformers')
    return problems


def main() -> int:
    if not osp.isfile(osp.join(REQUIREMENTS, 'constraints.txt')):
        print(f'PROBLEM: {osp.normpath(REQUIREMENTS)}/constraints.txt is '
              'missing: reinstall gvp (pip install .) or run from a checkout',
              file=sys.stderr)
        return 1
    pinned, seen = pins(), set()
    problems = check_group(BUILD + RUNTIME, pinned, True,
                           'run bash tools/install.sh', seen)
    for path, flag in EXTRAS.values():
        problems += check_group((path, ), pinned, False,
                                f'add with bash tools/install.sh {flag}',
                                seen)
    problems += stack_problems()
    for p in problems:
        print('PROBLEM:', p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
