"""Arguments and config handling shared by ``tools/train.py`` and
``tools/test.py``."""
import os
import os.path as osp

from mmengine.config import DictAction


def add_common_args(parser) -> None:
    """``--work-dir``, ``--cfg-options``, ``--launcher``, ``--local_rank``,
    ``--trust-checkpoint``."""
    parser.add_argument('--work-dir', help='the dir to save logs (and models)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, key=value (xxx=yyy format)')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    parser.add_argument(
        '--vis-backend',
        nargs='+',
        choices=sorted(VIS_BACKENDS),
        help='log scalars and pictures to these as well as to the work '
        'dir (mmengine vis backends; tensorboard: bash tools/install.sh '
        '--extras)')
    add_trust_arg(parser)


#: --vis-backend name -> (mmengine backend, the module it imports)
VIS_BACKENDS = {'tensorboard': ('TensorboardVisBackend', 'tensorboard'),
                'wandb': ('WandbVisBackend', 'wandb')}


def vis_backends(names) -> list:
    """The visualizer's backends for ``--vis-backend names``: the local one
    (the work dir's ``vis_data``, which the study and ``analyze_logs``
    read) and each named one, its package checked first."""
    from .dependencies import require
    out = [dict(type='LocalVisBackend')]
    for name in names:
        backend, module = VIS_BACKENDS[name]
        require(f'--vis-backend {name}', module)
        out.append(dict(type=backend))
    return out


def add_trust_arg(parser) -> None:
    """``--trust-checkpoint PATH`` (repeatable): load that file with full
    unpickling."""
    parser.add_argument(
        '--trust-checkpoint',
        action='append',
        metavar='PATH',
        help='load the checkpoint PATH with full unpickling, which can run '
        'code stored in the file: only for a file you trust; the other '
        'files keep the safe loader (also GVP_TRUST_CHECKPOINTS=PATH). '
        'Default: weights_only with an allowlist')


def parse_common(parser):
    """Parse, exporting ``LOCAL_RANK`` for launchers that pass it as an
    argument rather than in the environment."""
    args = parser.parse_args()
    apply_trust_arg(args)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def apply_trust_arg(args) -> None:
    """Export the files of ``--trust-checkpoint`` for every loader of this
    process (and of data-loader workers), mmengine's included: those files
    only."""
    paths = getattr(args, 'trust_checkpoint', None)
    if paths and isinstance(paths, list):
        from .safe_load import TRUST_ENV
        given = [p for p in os.environ.get(TRUST_ENV, '').split(os.pathsep)
                 if p and p != '0']
        os.environ[TRUST_ENV] = os.pathsep.join(
            given + [osp.abspath(p) for p in paths])


def apply_common_args(cfg, args):
    """Launcher, ``--cfg-options`` and the work dir (argument, then config,
    then ``work_dirs/<config name>``)."""
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if getattr(args, 'vis_backend', None):
        cfg.visualizer.vis_backends = vis_backends(args.vis_backend)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    return cfg
