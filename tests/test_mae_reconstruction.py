"""MAE on a GVP reveal plan: GVP and MAE reconstruct the same masked images
(paper table 8 like for like)."""
import pytest
import torch
from gvp_testing import TINY_ARCH, tiny_gvp
from mmpretrain.structures import DataSample

from gvp.evaluation import evaluate_reconstruction, mae_column
from gvp.evaluation.mae_reconstruction import mae_reconstruct, plan_masking
from gvp.evaluation.reconstruction import pixel_mask
from gvp.registry import MODELS

MEAN, STD = [72.94] * 3, [90.02] * 3


def _mae(mean=MEAN):
    torch.manual_seed(0)
    mae = MODELS.build(dict(
        type='MAE',
        data_preprocessor=dict(type='SelfSupDataPreprocessor', mean=mean,
                               std=STD, to_rgb=False),
        backbone=dict(type='MAEViT', arch=TINY_ARCH, img_size=16,
                      patch_size=4, mask_ratio=0.75),
        neck=dict(type='MAEPretrainDecoder', num_patches=16, patch_size=4,
                  in_chans=3, embed_dim=32, decoder_embed_dim=16,
                  decoder_depth=1, decoder_num_heads=2),
        head=dict(type='MAEPretrainHead', norm_pix=True, patch_size=4,
                  loss=dict(type='PixelReconstructionLoss', criterion='L2'))))
    mae.init_weights()
    return mae.eval()


def _gvp():
    torch.manual_seed(1)
    model = MODELS.build(dict(
        tiny_gvp(),
        data_preprocessor=dict(type='SelfSupDataPreprocessor', mean=MEAN,
                               std=STD, to_rgb=False),
        generation=dict(mask_ratio=0.75, num_groups=3)))
    return model.eval()


def test_plan_masking_is_maes_own_forward_on_its_mask():
    """Given the mask MAE drew itself, the plan path computes MAE's own
    prediction and loss (token order inside the encoder aside)."""
    mae = _mae()
    x = torch.randn(3, 3, 16, 16)
    torch.manual_seed(5)
    with torch.no_grad():
        latent, mask, ids_restore = mae.backbone(x)
        theirs = mae.neck(latent, ids_restore)
        loss = mae.head.loss(theirs, x, mask)
        with plan_masking(mae.backbone, mask.long()):
            latent2, mask2, ids2 = mae.backbone(x)
        mine = mae.neck(latent2, ids2)
    assert torch.equal(mask2, mask)
    assert torch.allclose(mine, theirs, atol=1e-5)
    assert torch.allclose(mae.head.loss(mine, x, mask2), loss, atol=1e-6)
    assert 'random_masking' not in vars(mae.backbone)  # the class's again
    out = mae_reconstruct(mae, x, mask.long())
    visible = 1 - pixel_mask(mask.long(), (4, 4), x.shape)
    assert torch.equal(out * visible, x * visible)  # given as given
    assert not torch.allclose(out, x, atol=1e-2)
    with pytest.raises(ValueError, match='same number of visible'):
        ragged = mask.long().clone()
        ragged[0, ragged[0].argmax()] = 0
        mae_reconstruct(mae, x, ragged)


class _Images:
    """Ten seeded 16-px uint8 images as a dataset's packed items."""

    def __init__(self):
        gen = torch.Generator().manual_seed(2)
        self.images = torch.randint(0, 255, (10, 3, 16, 16), generator=gen,
                                    dtype=torch.uint8)

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        return dict(inputs=self.images[i], data_samples=DataSample())


def test_mae_scored_on_the_gvp_plans_without_changing_gvps_numbers():
    model, mae = _gvp(), _mae()
    data = _Images()
    alone = evaluate_reconstruction(model, data, batch_size=4, seed=3)
    both = evaluate_reconstruction(model, data, batch_size=4, seed=3,
                                   others=dict(mae=mae_column(mae, model)))
    for k in ('one_shot_mse', 'group_ar_mse'):
        assert both[k] == alone[k]
    # MAE's error, recomputed by hand on the plans the evaluation draws
    gen = torch.Generator().manual_seed(3)
    errs = []
    for start in (0, 4, 8):
        x = (data.images[start:start + 4].float() - 72.94) / 90.02
        ranks = model.reveal_plan(x.shape[0], (4, 4), generator=gen).ranks
        model.generate(x, ranks, one_shot=True, generator=gen)
        model.generate(x, ranks, generator=gen)  # as the evaluation draws
        m = pixel_mask(ranks, (4, 4), x.shape)
        pred = model.to_unit_range(mae_reconstruct(mae, x, ranks))
        err = ((pred - model.to_unit_range(x))**2 * m).sum((1, 2, 3))
        errs.append(err / m.sum((1, 2, 3)))
    assert both['mae_mse'] == pytest.approx(torch.cat(errs).mean().item(),
                                            rel=1e-5)


def test_mae_with_another_normalisation_or_no_mae_refused():
    model = _gvp()
    with pytest.raises(ValueError, match='normalise images differently'):
        mae_column(_mae(mean=[0., 0., 0.]), model)
    with pytest.raises(ValueError, match='is not an MAE'):
        mae_column(model, model)
