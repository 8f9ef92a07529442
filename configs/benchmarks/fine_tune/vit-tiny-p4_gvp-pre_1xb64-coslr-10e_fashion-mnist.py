# The ImageNet fine-tune recipe shrunk to the Fashion-MNIST demo backbone:
# batch 64, 10 epochs, 1 warm-up; 28 px pipelines (no RandAugment at 28 px:
# its geometric ops are tuned for 224 px).
_base_ = [
    '../../_base_/datasets/fashion-mnist_bs64_cls.py',
    '../../_base_/models/gvp-finetune_vit-base-p16.py',
    '../../_base_/schedules/adamw_layer-decay-0.65_coslr-100e_finetune.py',
    '../../_base_/default_runtime.py',
]
model = dict(
    backbone=dict(arch='tiny', img_size=28, patch_size=4, init_cfg=dict(
        checkpoint='work_dirs/gvp-p2p_vit-tiny-p4_1xb64-600i_fashion-mnist/'
        'backbone.pth')),
    head=dict(num_classes=10, in_channels=192))
optim_wrapper = dict(type='OptimWrapper',
                     optimizer=dict(lr=2e-3 * 64 / 1024))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=9, by_epoch=True, begin=1, end=10,
         eta_min=1e-6, convert_to_iter_based=True)
]
train_cfg = dict(max_epochs=10)
auto_scale_lr = dict(base_batch_size=64)
