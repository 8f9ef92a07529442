"""The repository is self-contained."""
import os
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_no_file_refers_outside_the_repository():
    files = subprocess.check_output(['git', 'ls-files'], cwd=ROOT,
                                    text=True).split()
    needle = '../' + 'shared'  # (spelled so that this file does not match)
    offenders = []
    for name in files:
        if name == '.ci/run':
            continue  # CI takes the prebuilt mmcv wheel from beside the clone
        try:
            text = open(os.path.join(ROOT, name), encoding='utf-8').read()
        except (UnicodeDecodeError, IsADirectoryError, FileNotFoundError):
            continue
        if needle in text or 'DESIGN ' + '§' in text:
            offenders.append(name)
    assert offenders == []
    for doc in ('LICENSE', 'CHANGELOG.md', 'CONTRIBUTING.md',
                'docs/design.md'):
        assert os.path.getsize(os.path.join(ROOT, doc)) > 1000, doc
