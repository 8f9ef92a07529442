# Row "MAE", recipe v2: mmpretrain's MAE of the 4e-10k row (same ViT-Tiny,
# decoder, mask ratio) on the v2 data and schedule of
# gvp-p2p-mixed-k20_vit-tiny-p4_1xb64-2800i-60k-v2_fashion-mnist.py (all
# 60k images, 2800 iterations, lr 1.5e-3, RandomResizedCrop 0.5-1, seed 0).
# (Two bases that both define `model` cannot be merged, hence the repeat.)
_base_ = './mae_vit-tiny-p4_1xb64-4e-10k_fashion-mnist.py'

train_dataloader = dict(
    dataset=dict(
        indices=None,
        pipeline=[
            dict(type='LoadImageOrSkip'),
            dict(type='RandomResizedCrop', scale=28,
                 crop_ratio_range=(0.5, 1.0), backend='pillow',
                 interpolation='bicubic'),
            dict(type='RandomFlip', prob=0.5),
            dict(type='PackInputs')
        ]))
optim_wrapper = dict(optimizer=dict(lr=1.5e-3))
max_iters = 2800
train_cfg = dict(_delete_=True, type='IterBasedTrainLoop', max_iters=max_iters)
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0,
         end=300),
    dict(type='CosineAnnealingLR', T_max=max_iters - 300, by_epoch=False,
         begin=300, end=max_iters, eta_min=1e-6)
]
default_hooks = dict(
    checkpoint=dict(type='SafeCheckpointHook', interval=700, by_epoch=False,
                    max_keep_ckpts=4))
log_processor = dict(by_epoch=False)
