# Demo: GVP-p2p ViT-Tiny (192 wide, 12 blocks) on Fashion-MNIST 28x28,
# patch 4 -> 7x7 = 49 tokens, mixed length K = 20. Iteration based so that
# it finishes on a CPU; the schedule is the paper's in shape (AdamW,
# betas 0.9/0.95, wd 0.05, linear warm-up + cosine).
_base_ = [
    '../_base_/models/gvp-p2p_vit-base-p16.py',
    '../_base_/datasets/fashion-mnist_bs64_gvp.py',
    '../_base_/default_runtime.py',
]

model = dict(
    backbone=dict(arch='tiny', img_size=28, patch_size=4),
    head=dict(embed_dims=192, patch_size=4))

max_iters = 600
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='AdamW', lr=1.5e-4 * 64 / 256 * 4, betas=(0.9, 0.95),
        weight_decay=0.05),
    paramwise_cfg=dict(
        custom_keys={
            'ln': dict(decay_mult=0.0),
            'bias': dict(decay_mult=0.0),
            'pos_embed': dict(decay_mult=0.),
            'cls_token': dict(decay_mult=0.),
            'query_token': dict(decay_mult=0.),
        }))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0,
         end=100),
    dict(type='CosineAnnealingLR', T_max=max_iters - 100, by_epoch=False,
         begin=100, end=max_iters, eta_min=1e-6)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters)
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=20),
    checkpoint=dict(
        type='CheckpointHook', interval=200, by_epoch=False,
        max_keep_ckpts=2))
log_processor = dict(by_epoch=False)
