"""Data checks before the first training step."""
import os
import os.path as osp

import torch
from mmengine.dist import broadcast_object_list, get_rank, is_distributed
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from gvp.registry import HOOKS
from gvp.utils.errors import DataError
from gvp.utils.rng import capture_rng_state, restore_rng_state


def missing_files(dataset, limit: int = 5):
    """``(count, first few paths)`` of data-list entries whose image file
    does not exist (``os.stat`` only, nothing is read)."""
    missing, first = 0, []
    for i in range(len(dataset)):
        path = dataset.get_data_info(i).get('img_path')
        if path is None or '://' in str(path):
            continue
        try:
            os.stat(path)
        except OSError:
            missing += 1
            if len(first) < limit:
                first.append(path)
    return missing, first


def _image_shape(item):
    """``(C, H, W)`` of a packed item's ``inputs`` (first view)."""
    inputs = item['inputs'] if isinstance(item, dict) else None
    if isinstance(inputs, (list, tuple)):
        inputs = inputs[0]
    if torch.is_tensor(inputs) and inputs.dim() == 3:
        return tuple(inputs.shape)
    return None


def model_input_spec(model):
    """What the model was built for: ``(channels, (H, W) or None)``; the
    size is fixed only for a pretraining backbone (its mask generator was
    validated for ``T = h * w`` tokens); a probe draws its plan on the grid
    of the images it gets (:func:`plan_problem`)."""
    backbone = getattr(model, 'backbone', None)
    channels = None
    proj = getattr(getattr(backbone, 'patch_embed', None), 'projection', None)
    if isinstance(proj, torch.nn.Conv2d):
        channels = proj.in_channels
    size = None
    if getattr(backbone, 'role', None) == 'pretrain':
        res, p = backbone.patch_resolution, backbone.patch_size
        size = (res[0] * p, res[1] * p)
    return channels, size


def plan_problem(model, h: int, w: int) -> str:
    """Why the backbone's mask generator cannot draw a plan on the grid of
    ``h x w`` images (a probe's), or ''."""
    backbone = getattr(model, 'backbone', None)
    generator = getattr(backbone, 'mask_generator', None)
    if generator is None or getattr(backbone, 'role', None) == 'pretrain':
        return ''
    p = backbone.patch_size
    try:
        generator.validate((h // p, w // p))
    except ValueError as e:
        return f'the data gives {h}x{w} images: {e}'
    return ''


def check_first_item(dataset, model) -> str:
    """A message if the first item does not fit the model, else ''."""
    shape = _image_shape(dataset[0])
    if shape is None:
        return ''
    c, h, w = shape
    channels, size = model_input_spec(model)
    if channels is not None and c != channels:
        return (f'the data gives {c}-channel images but the backbone was '
                f'built for {channels} (in_channels): convert the images '
                '(LoadImageFromFile color_type) or set '
                f'model.backbone.in_channels={c} and the head and '
                'data_preprocessor mean/std to match')
    mean = getattr(getattr(model, 'data_preprocessor', None), 'mean', None)
    if torch.is_tensor(mean) and mean.numel() not in (1, c):
        return (f'data_preprocessor mean/std have {mean.numel()} values but '
                f'the images have {c} channels: give one per channel')
    if size is not None and (h, w) != size:
        return (f'the data gives {h}x{w} images but the two-stream backbone '
                f'was built for img_size {size[0]}x{size[1]} (its mask '
                'generator was validated for that many tokens): set '
                f'model.backbone.img_size={h} (and check num_groups), or '
                f'crop/resize to {size[0]} in the pipeline')
    return plan_problem(model, h, w)


@HOOKS.register_module()
class DataCheckHook(Hook):
    """Before the first step: the training set is non-empty, every image
    its ann file lists exists (stat only), and its first item has the shape
    the model was built for. Rank 0 checks, every rank stops together with
    :class:`~gvp.utils.errors.DataError`.

    Args:
        check_files (bool): stat every listed image.
    """
    priority = 'VERY_HIGH'

    def __init__(self, check_files: bool = True):
        self.check_files = check_files

    def before_train(self, runner) -> None:
        msg = [self._problem(runner) if get_rank() == 0 else '']
        if is_distributed():
            broadcast_object_list(msg, src=0)
        if msg[0]:
            raise DataError(msg[0])

    def _problem(self, runner) -> str:
        loader = runner.train_loop.dataloader
        dataset = loader.dataset
        where = _describe(runner.cfg.get('train_dataloader', {}))
        if len(dataset) == 0:
            return (f'train_dataloader.dataset{where} has no images: fill '
                    'the ann file (one "path label" line per image) or '
                    'point data_root/ann_file at the prepared data')
        if self.check_files and hasattr(dataset, 'get_data_info'):
            n, first = missing_files(dataset)
            if n:
                return (f'{n} of {len(dataset)} images listed by '
                        f'train_dataloader.dataset{where} do not exist, e.g. '
                        f'{", ".join(first)}: restore them or remove their '
                        'lines from the ann file')
        model = runner.model.module if is_model_wrapper(runner.model) \
            else runner.model
        # reading one item runs random transforms: leave the generators as
        # they were, so checked and unchecked runs draw the same stream
        state = capture_rng_state()
        try:
            problem = check_first_item(dataset, model)
        finally:
            restore_rng_state(state)
        return f'train_dataloader.dataset{where}: {problem}' if problem \
            else ''


def _describe(loader_cfg) -> str:
    ds = loader_cfg.get('dataset', {}) if hasattr(loader_cfg, 'get') else {}
    while isinstance(ds, dict) and 'dataset' in ds:
        ds = ds['dataset']
    if not isinstance(ds, dict):
        return ''
    ann = ds.get('ann_file') or ''
    root = ds.get('data_root') or ''
    path = osp.join(root, ann) if ann else root
    return f' ({path})' if path else ''
