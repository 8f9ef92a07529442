"""Reconstruct masked images with a GVP model (paper figure 2)."""
from typing import Sequence, Union

import torch
from torch import Tensor


def _images_to_inputs(model, images) -> Tensor:
    """Paths / PIL images / ``HxWxC`` uint8 arrays -> normalised RGB
    ``[B, C, H, W]`` at the backbone's size (``ResizeCenterCrop``; a tensor
    is taken as already normalised)."""
    if torch.is_tensor(images):
        return images
    from mmengine.config import Config

    from gvp.datasets.test_time import (build_test_pipeline, pack_images,
                                        stack_inputs)
    from gvp.utils.views import preprocess_images
    size = model.backbone.patch_resolution[0] * model.backbone.patch_size
    batch = pack_images(images, build_test_pipeline(Config(), size))
    x = stack_inputs(batch)  # BGR, as mmcv loads files
    if not getattr(model.data_preprocessor, '_channel_conversion', False):
        x = x.flip(1)  # the preprocessor keeps the order: give it RGB
    # one view (SelfSupDataPreprocessor takes a list of batched views)
    return preprocess_images(model.data_preprocessor,
                             dict(inputs=[x], data_samples=None))


@torch.no_grad()
def reconstruct(model,
                images: Union[Tensor, Sequence],
                seed: int = 0,
                temperature: float = 0.,
                others=None) -> dict:
    """Mask part of each image's tokens by the model's reveal plan (its
    config's ``model.generation``: ``mask_ratio``, ``num_groups``, order;
    drawn with ``seed``) and generate them back, group by group and in one
    shot.

    Args:
        model: a GVP model (:func:`gvp.apis.get_model`), p2p or d2d.
        images: image files, PIL images or ``HxWxC`` uint8 arrays (resized
            to the backbone's size), or normalised ``[B, C, H, W]``.
        others: name -> fn(inputs, ranks) -> ``[B, C, H, W]`` in ``[0, 1]``:
            other models on the same plan (e.g. MAE,
            :func:`gvp.evaluation.mae_column`), a column each.

    Returns:
        dict of numpy arrays in ``[0, 1]``, ``[B, H, W, C]``: ``original``,
        ``masked`` (visible tokens, gray elsewhere), ``one_shot``,
        ``group_ar`` and one per ``others``; ``ranks [B, T]`` (0 = visible)
        and ``figure`` (``uint8`` RGB: one row per image, titled columns).
    """
    from gvp.evaluation.reconstruction import reconstruction_columns
    from gvp.visualization.pictures import columns_figure
    model.eval()
    inputs = _images_to_inputs(model, images)
    ranks = model.reveal_plan(inputs.shape[0], model.backbone.patch_resolution,
                              inputs.device,
                              torch.Generator().manual_seed(seed)).ranks
    outs = reconstruction_columns(model, inputs, ranks, temperature, others)
    result = {k: v.permute(0, 2, 3, 1).cpu().numpy() for k, v in outs.items()}
    result['ranks'] = ranks.cpu().numpy()
    result['figure'] = columns_figure({k: v.cpu() for k, v in outs.items()})
    return result
