"""mmpretrain's own tools, run unchanged on gvp configs and checkpoints.

gvp configs import gvp (``custom_imports``) and gvp registers its parts in
mmpretrain's registries (:mod:`gvp.registry`), so mmpretrain's scripts
(``mmpretrain/.mim/tools``: ``get_flops``, ``vis_cam``, ``vis_tsne``,
``analyze_results``, ``confusion_matrix``, ``eval_metric``,
``verify_dataset``, ``publish_model``, ``test``, ...) build gvp models as
they are. Four of them break on the pinned stack itself, with any model;
:func:`run_tool` runs a script with these fixed around it, nothing else
changed:

* ``vis_tsne``: scikit-learn 1.5 renamed ``TSNE(n_iter=)`` ``max_iter``;
* ``browse_dataset``: matplotlib's ``adjust_bbox`` takes a renderer now;
* ``vis_cam``: grad-cam 1.5 dropped the CAM classes' ``use_cuda``;
* ``verify_dataset`` looks for a transform named ``LoadImageFromFile``;
  gvp's pipelines load with its subclass ``LoadImageOrSkip`` (which skips
  bad files where the tool must see them fail): the tool gets mmcv's.
"""
import glob
import os.path as osp
import runpy
import sys
from typing import Dict, List

from .dependencies import require


def tools() -> Dict[str, str]:
    """``{name: script}`` of mmpretrain's tools (``vis_tsne`` ->
    ``.../visualization/vis_tsne.py``)."""
    import mmpretrain
    root = osp.join(osp.dirname(mmpretrain.__file__), '.mim', 'tools')
    return {osp.splitext(osp.basename(p))[0]: p
            for p in sorted(glob.glob(osp.join(root, '**', '*.py'),
                                      recursive=True))
            if not osp.basename(p).startswith('_')}


def _tsne():
    import sklearn.manifold
    original = sklearn.manifold.TSNE

    def TSNE(*args, n_iter=None, **kwargs):  # noqa: N802 (the class's name)
        if n_iter is not None:  # the name before scikit-learn 1.5
            kwargs['max_iter'] = n_iter
        return original(*args, **kwargs)

    sklearn.manifold.TSNE = TSNE


def _adjust_bbox():
    import matplotlib._tight_bbox as tight
    original = tight.adjust_bbox

    def adjust_bbox(fig, bbox_inches, renderer=None, fixed_dpi=None):
        return original(fig, bbox_inches,
                        renderer or fig.canvas.get_renderer(), fixed_dpi)

    tight.adjust_bbox = adjust_bbox


def _cam():
    import pytorch_grad_cam as cam

    def without_use_cuda(init):
        def wrapped(self, *args, use_cuda=None, **kwargs):
            init(self, *args, **kwargs)
        return wrapped

    classes = set(cam.base_cam.BaseCAM.__subclasses__())
    for cls in classes | {cam.GradCAMPlusPlus}:
        if 'use_cuda' not in cls.__init__.__code__.co_varnames:
            cls.__init__ = without_use_cuda(cls.__init__)


def _load_image():
    import mmpretrain.datasets as datasets
    original = datasets.get_transform_idx

    def get_transform_idx(pipeline, target):
        idx = original(pipeline, target)
        if idx < 0 and target == 'LoadImageFromFile':
            idx = original(pipeline, 'LoadImageOrSkip')
            if idx >= 0:  # the tool must see a bad file fail
                pipeline[idx] = dict(pipeline[idx], type='LoadImageFromFile')
                for key in ('max_bad_fraction', 'min_seen'):
                    pipeline[idx].pop(key, None)
        return idx

    datasets.get_transform_idx = get_transform_idx


def _per_image_features(argv: List[str]) -> None:
    """``vis_tsne`` reads per-image backbone features (``extract_feat`` of a
    classifier); a GVP pretraining config gives the two streams' rows of
    the predicted tokens: refused before any feature is computed."""
    from gvp.apis import get_config
    from gvp.utils.errors import GVPError
    if not argv or argv[0].startswith('-'):
        return  # its own usage message
    if str(get_config(argv[0]).model.get('type', '')).split('.')[-1] == 'GVP':
        raise GVPError(
            f'{argv[0]}: vis_tsne plots per-image features of a classifier '
            'backbone, a GVP pretraining config has none; give a probe or '
            'fine-tune config (configs/benchmarks/fine_tune/*.py) with the '
            'pretraining checkpoint as --checkpoint')


#: what a tool imports that gvp's install does not always bring
NEEDS = {'vis_cam': ('pytorch_grad_cam', ), 'vis_tsne': ('sklearn', )}
FIXES = {'vis_tsne': _tsne, 'browse_dataset': _adjust_bbox,
         'vis_cam': _cam, 'verify_dataset': _load_image}
#: inputs a tool would take and fail on after computing, refused first
CHECKS = {'vis_tsne': _per_image_features}


def run_tool(name: str, argv: List[str]) -> None:
    """Run mmpretrain's tool ``name`` with ``argv``, as ``python
    SCRIPT argv...`` would, with its stack fix (:data:`FIXES`) applied."""
    from gvp.utils.errors import GVPError
    scripts = tools()
    if name not in scripts:
        import difflib
        close = difflib.get_close_matches(name, scripts, n=3)
        raise GVPError(f'{name}: not one of mmpretrain\'s tools'
                       + (f' (did you mean {", ".join(close)}?)' if close
                          else '') + '; python tools/mmpretrain_tool.py '
                       '--list names them')
    require(name, *NEEDS.get(name, ()))
    import gvp  # noqa: F401  (registered in mmpretrain's registries)
    if name in CHECKS:
        CHECKS[name](list(argv))
    if name in FIXES:
        FIXES[name]()
    sys.argv = [scripts[name]] + list(argv)
    runpy.run_path(scripts[name], run_name='__main__')
