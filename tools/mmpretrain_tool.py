"""Run one of mmpretrain's own tools on a gvp config or checkpoint.

    python tools/mmpretrain_tool.py TOOL [the tool's own arguments]
    python tools/mmpretrain_tool.py vis_tsne CONFIG --checkpoint CKPT
    python tools/mmpretrain_tool.py --list

TOOL is a script of ``mmpretrain/.mim/tools`` by name (``get_flops``,
``vis_cam``, ``vis_tsne``, ``browse_dataset``, ``analyze_results``,
``confusion_matrix``, ``eval_metric``, ``verify_dataset``,
``publish_model``, ``test``, ...), with mmpretrain's CLI. The scripts work
on gvp configs as they are; this runner adds the fixes four of them need on
the pinned stack (:mod:`gvp.utils.mmpretrain_tools`).
"""
import os.path as osp
import sys

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
if ROOT not in sys.path:  # this checkout's gvp, also when not installed
    sys.path.insert(0, ROOT)


def main():
    from gvp.utils.dist import run_reporting_errors
    from gvp.utils.mmpretrain_tools import run_tool, tools
    if len(sys.argv) < 2 or sys.argv[1] in ('-h', '--help', '--list'):
        print(__doc__.strip() + '\n\ntools: ' + ', '.join(tools()))
        return
    run_reporting_errors(lambda: run_tool(sys.argv[1], sys.argv[2:]))


if __name__ == '__main__':
    main()
