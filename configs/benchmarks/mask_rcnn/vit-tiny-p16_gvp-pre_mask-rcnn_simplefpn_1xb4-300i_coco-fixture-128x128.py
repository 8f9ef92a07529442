# The COCO recipe shrunk to the tiny fixture of tools/misc/dense_fixtures.py
# (128x128 images, 2 classes, polygon masks, COCO json): a 4-block, 64-wide
# ViT (windows of 4 tokens, last block global), narrow heads, no jitter,
# 300 iterations; the model structure and optimizer are the full config's.
_base_ = './vit-base-p16_gvp-pre_mask-rcnn_simplefpn_8xb2-25e_coco.py'
data_root = 'data/dense_fixtures/coco/'
image_size = (128, 128)
metainfo = dict(classes=('square', 'disc'))
model = dict(
    data_preprocessor=dict(batch_augments=None),
    backbone=dict(
        arch=dict(_delete_=True, embed_dims=64, num_layers=4, num_heads=2,
                  feedforward_channels=128),
        img_size=image_size, out_indices=(3, ), drop_path_rate=0.0,
        window_size=4, global_attn_indices=(3, ),
        init_cfg=dict(checkpoint='data/dense_fixtures/gvp-tiny-p16.pth')),
    neck=dict(backbone_channel=64, out_channels=32),
    rpn_head=dict(in_channels=32, feat_channels=32),
    roi_head=dict(
        bbox_roi_extractor=dict(out_channels=32),
        mask_roi_extractor=dict(out_channels=32),
        bbox_head=dict(in_channels=32, fc_out_channels=64, num_classes=2),
        mask_head=dict(in_channels=32, conv_out_channels=32,
                       num_classes=2)))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=image_size, keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                    'scale_factor'))
]
train_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(data_root=data_root, metainfo=metainfo,
                 pipeline=train_pipeline))
# an overfitting check: validation is on the training images (the held-out
# split: ann_file='annotations/instances_val2017.json', img='val2017/')
val_dataloader = dict(
    batch_size=1, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root, metainfo=metainfo,
                 ann_file='annotations/instances_train2017.json',
                 data_prefix=dict(img='train2017/'),
                 pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(
    ann_file=data_root + 'annotations/instances_train2017.json')
test_evaluator = val_evaluator
optim_wrapper = dict(optimizer=dict(lr=1e-3))
max_iters = 300
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0,
         end=20),
    dict(type='CosineAnnealingLR', T_max=max_iters - 20, by_epoch=False,
         begin=20, end=max_iters, eta_min=1e-5)
]
train_cfg = dict(_delete_=True, type='IterBasedTrainLoop',
                 max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(by_epoch=False, interval=max_iters))
log_processor = dict(by_epoch=False)
env_cfg = dict(cudnn_benchmark=False, dist_cfg=dict(backend='gloo'))
