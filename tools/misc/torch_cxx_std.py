"""Print the C++ standard flag the installed torch's headers require.

torch's ``ATen/ATen.h`` refuses older compilers with a guard such as
``#if !defined(_MSC_VER) && __cplusplus < 202002L`` (torch 2.14: C++20).
Reading that guard, rather than a table of torch versions, keeps the mmcv
source build right for whichever torch is installed.
"""
import os.path as osp
import re

import torch

LEVELS = {
    '201402': 'c++14',
    '201703': 'c++17',
    '202002': 'c++20',
    '202302': 'c++23'
}


def required_std(default: str = 'c++17') -> str:
    header = osp.join(osp.dirname(torch.__file__), 'include', 'ATen', 'ATen.h')
    if not osp.isfile(header):
        return default
    with open(header) as f:
        found = re.findall(r'__cplusplus\s*<\s*(\d{6})L', f.read())
    levels = [LEVELS[v] for v in found if v in LEVELS]
    return max(levels, key=lambda s: int(s[3:])) if levels else default


if __name__ == '__main__':
    print(required_std())
