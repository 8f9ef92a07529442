# The ImageNet probe recipe shrunk to the Fashion-MNIST demo backbone
# (ViT-Tiny, 28 px, patch 4, mixed K=20): batch 256, 10 epochs, 1 warm-up.
_base_ = [
    '../../_base_/datasets/fashion-mnist_bs64_cls.py',
    '../../_base_/models/gvp-probe_vit-base-p16.py',
    '../../_base_/schedules/lars_coslr-90e_linear-probe.py',
    '../../_base_/default_runtime.py',
]
train_dataloader = dict(batch_size=256, drop_last=True)
model = dict(
    backbone=dict(arch='tiny', img_size=28, patch_size=4, init_cfg=dict(
        checkpoint='work_dirs/gvp-p2p_vit-tiny-p4_1xb64-600i_fashion-mnist/'
        'backbone.pth')),
    neck=dict(input_features=192),
    head=dict(num_classes=10, in_channels=192))
optim_wrapper = dict(type='OptimWrapper',
                     optimizer=dict(lr=0.1 * 256 / 256))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=9, by_epoch=True, begin=1, end=10,
         eta_min=0.0, convert_to_iter_based=True)
]
train_cfg = dict(max_epochs=10)
auto_scale_lr = dict(base_batch_size=256)
