# GVP-d2d, ViT-B, ImageNet-1k at 256 px (16x16 ids), 200 epochs, batch 4096.
_base_ = [
    '../_base_/models/gvp-d2d_vit-base-p16.py',
    '../_base_/datasets/imagenet_bs512_gvp.py',
    '../_base_/schedules/adamw_coslr-200e_gvp.py',
    '../_base_/default_runtime.py',
]
train_dataloader = dict(dataset=dict(pipeline=[
    dict(type='LoadImageOrSkip'),
    dict(type='RandomResizedCrop', scale=256, crop_ratio_range=(0.2, 1.0),
         backend='pillow', interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackInputs')
]))
optim_wrapper = dict(type='AmpOptimWrapper', loss_scale='dynamic')
resume = True
