"""mmpretrain's MAE on a GVP reveal plan: MAE reconstructs the masked tokens
of the *same* masked images as GVP (paper table 8 / figure 2, GVP vs MAE
like for like) instead of those of its own random mask."""
from contextlib import contextmanager

import torch
from torch import Tensor

from ..models.targets.pixels import patch_stats


@contextmanager
def plan_masking(backbone, ranks: Tensor):
    """Within the block, ``MAEViT.random_masking`` keeps the visible tokens
    of plan ``ranks [B, T]`` (0 = visible) instead of a random
    ``1 - mask_ratio`` of them; it returns what MAE's does: the kept tokens
    ``[B, V, D]``, ``mask [B, T]`` (1 = masked) and ``ids_restore [B, T]``
    (kept tokens first, then the masked, each in token order)."""
    visible = ranks == 0
    counts = visible.sum(1)
    if bool((counts != counts[0]).any()):
        raise ValueError('MAE needs the same number of visible tokens in '
                         f'every image of a batch; the plan gives '
                         f'{sorted(set(counts.tolist()))}')
    order = torch.argsort((~visible).to(torch.int8), dim=1, stable=True)
    keep, mask = order[:, :int(counts[0])], (~visible).float()
    ids_restore = torch.argsort(order, 1)

    def masking(x: Tensor, mask_ratio=None):
        index = keep.to(x.device)[..., None].expand(-1, -1, x.shape[2])
        return (torch.gather(x, 1, index), mask.to(x.device),
                ids_restore.to(x.device))

    backbone.random_masking = masking  # on the instance: the class is kept
    try:
        yield
    finally:
        del backbone.random_masking


@torch.no_grad()
def mae_reconstruct(mae, inputs: Tensor, ranks: Tensor) -> Tensor:
    """MAE's encoder on the plan's visible tokens, its decoder for the rest.

    Args:
        mae: mmpretrain's ``MAE`` (``MAEViT``, ``MAEPretrainDecoder``,
            ``MAEPretrainHead``).
        inputs: normalised images ``[B, C, H, W]`` (MAE's preprocessor).
        ranks: the plan ``[B, T]`` (0 = visible).

    Returns:
        ``[B, C, H, W]`` in the inputs' normalisation: the visible patches
        as given, the masked ones predicted; with ``norm_pix`` the
        prediction is mapped back with the true patch's mean and std, as
        GVP's ``PixelTarget`` does for its own (so neither sees more).
    """
    mae.eval()
    with plan_masking(mae.backbone, ranks):
        latent, mask, ids_restore = mae.backbone(inputs)
    pred = mae.neck(latent, ids_restore)  # [B, T, p*p*C]
    patches = mae.head.patchify(inputs)
    if mae.head.norm_pix:
        mean, std = patch_stats(patches)
        pred = pred * std + mean
    return mae.head.unpatchify(torch.where(mask.bool()[..., None], pred,
                                           patches))


def mae_column(mae, model):
    """``fn(inputs, ranks) -> [B, C, H, W]`` in ``[0, 1]``: MAE's
    reconstruction for :func:`~.reconstruction.predictions` next to GVP
    ``model``. Both must normalise images the same way (one input feeds
    both); a pair that does not is refused."""
    if not hasattr(mae.backbone, 'random_masking'):
        raise ValueError(f'{type(mae).__name__} is not an MAE (its backbone '
                         f'{type(mae.backbone).__name__} has no MAE masking)'
                         ': give an mmpretrain MAE pretraining config')
    mine, theirs = model.data_preprocessor, mae.data_preprocessor
    same = all(
        torch.equal(getattr(mine, k).cpu(), getattr(theirs, k).cpu())
        for k in ('mean', 'std')) and getattr(
            mine, '_channel_conversion', False) == getattr(
                theirs, '_channel_conversion', False)
    if not same:
        raise ValueError(
            'the MAE and GVP configs normalise images differently '
            f'(mean {theirs.mean.flatten().tolist()} vs '
            f'{mine.mean.flatten().tolist()}, std '
            f'{theirs.std.flatten().tolist()} vs {mine.std.flatten().tolist()}'
            '); give both the same data_preprocessor')
    return lambda inputs, ranks: model.to_unit_range(
        mae_reconstruct(mae, inputs, ranks))
