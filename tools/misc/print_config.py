"""Print the whole config after ``_base_`` merging and ``--cfg-options``.

    python tools/misc/print_config.py CONFIG [--cfg-options k=v ...]
"""
import argparse

from mmengine.config import DictAction

from gvp.apis import get_config


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('config', help='config file or model-index name')
    p.add_argument('--cfg-options', nargs='+', action=DictAction,
                   help='override config settings, key=value')
    args = p.parse_args()
    print(get_config(args.config, args.cfg_options).pretty_text)


if __name__ == '__main__':
    from gvp.utils.dist import run_reporting_errors
    run_reporting_errors(main)
