# Fine-tuning a GVP ViT-B/16 (paper §5, MAE's ViT-B recipe): mask dropped
# (`finetune` mode = mmpretrain's plain ViT), global pooling + fc norm,
# layer-wise lr decay 0.65, drop path 0.1, Mixup 0.8 / CutMix 1.0, label
# smoothing 0.1, RandAugment + RandomErasing, AdamW lr 2e-3 at batch 1024
# (8 GPUs x 128), 100 epochs, 5 warm-up.
# checkpoint: tools/model_converters/gvp2vit.py output (no prefix).
_base_ = [
    'mmpretrain::_base_/datasets/imagenet_bs64_swin_224.py',
    '../../_base_/models/gvp-finetune_vit-base-p16.py',
    '../../_base_/schedules/adamw_layer-decay-0.65_coslr-100e_finetune.py',
    '../../_base_/default_runtime.py',
]
train_pipeline = [
    dict(type='LoadImageOrSkip'),
    dict(type='RandomResizedCrop', scale=224, backend='pillow',
         interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='RandAugment', policies='timm_increasing', num_policies=2,
         total_level=10, magnitude_level=9, magnitude_std=0.5,
         hparams=dict(pad_val=[104, 116, 124], interpolation='bicubic')),
    dict(type='RandomErasing', erase_prob=0.25, mode='rand',
         min_area_ratio=0.02, max_area_ratio=1 / 3,
         fill_color=[103.53, 116.28, 123.675],
         fill_std=[57.375, 57.12, 58.395]),
    dict(type='PackInputs')
]
test_pipeline = [
    dict(type='LoadImageOrSkip'),
    dict(type='ResizeEdge', scale=256, edge='short', backend='pillow',
         interpolation='bicubic'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackInputs')
]
train_dataloader = dict(batch_size=128, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(batch_size=128, dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
default_hooks = dict(
    checkpoint=dict(type='SafeCheckpointHook', interval=1, max_keep_ckpts=3))
