# Train the MAGE-layout tokenizer on ImageNet at 256 px with reconstruction
# (L1) + codebook + commitment losses (no perceptual/GAN terms: use MAGE's
# released checkpoint when GAN-quality reconstructions are needed).
_base_ = [
    '../_base_/models/vqgan_f16-1024.py',
    '../_base_/default_runtime.py',
]

train_pipeline = [
    dict(type='LoadImageOrSkip'),
    dict(type='RandomResizedCrop', scale=256, crop_ratio_range=(0.8, 1.0),
         backend='pillow', interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackInputs')
]
train_dataloader = dict(
    batch_size=32,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type='ImageNet',
        data_root='data/imagenet/',
        split='train',
        pipeline=train_pipeline))

optim_wrapper = dict(
    type='AmpOptimWrapper',
    optimizer=dict(type='Adam', lr=1e-4 * 256 / 256, betas=(0.5, 0.9)))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=99, by_epoch=True, begin=1,
         end=100, convert_to_iter_based=True)
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=100)
auto_scale_lr = dict(base_batch_size=256)
