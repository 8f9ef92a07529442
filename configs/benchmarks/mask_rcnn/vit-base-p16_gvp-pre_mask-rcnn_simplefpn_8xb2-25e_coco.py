# Object detection and instance segmentation (paper appendix G, table 9):
# Mask R-CNN on the GVP ViT-B/16 in `finetune` mode with a simple feature
# pyramid, as the ViT detection benchmark (Li et al. 2021) / ViTDet: the
# stride-16 map of the last block -> strides 4..64 (gvp.SimpleFPN with
# LN2d), windowed attention (14) with global blocks 2, 5, 8, 11, 1024 px
# large-scale jitter, AdamW lr 1e-4, wd 0.1, layer-wise lr decay 0.7 (gvp's
# constructor), 25 epochs (steps at 22 and 24) at batch 16 (8 GPUs x 2).
# checkpoint: tools/model_converters/gvp2vit.py output (no prefix).
_base_ = [
    'mmdet::_base_/models/mask-rcnn_r50_fpn.py',
    'mmdet::_base_/datasets/coco_instance.py',
    'mmdet::_base_/default_runtime.py',
]
custom_imports = dict(imports=['gvp'], allow_failed_imports=False)
image_size = (1024, 1024)
model = dict(
    data_preprocessor=dict(pad_size_divisor=32, batch_augments=[
        dict(type='BatchFixedSizePad', size=image_size, pad_mask=True)
    ]),
    backbone=dict(
        _delete_=True,
        type='gvp.GVPFinetuneViT',
        arch='base',
        img_size=image_size,
        patch_size=16,
        with_cls_token=False,
        out_type='featmap',
        out_indices=(11, ),
        final_norm=False,
        drop_path_rate=0.1,
        window_size=14,
        global_attn_indices=(2, 5, 8, 11),
        init_cfg=dict(type='Pretrained',
                      checkpoint='checkpoints/gvp-p2p_vit-base-p16.pth')),
    neck=dict(
        _delete_=True,
        type='gvp.SimpleFPN',
        backbone_channel=768,
        out_channels=256,
        num_outs=5))

backend_args = None
train_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='RandomResize', scale=image_size, ratio_range=(0.1, 2.0),
         keep_ratio=True),
    dict(type='RandomCrop', crop_type='absolute_range', crop_size=image_size,
         recompute_bbox=True, allow_negative_crop=True),
    dict(type='FilterAnnotations', min_gt_bbox_wh=(1e-2, 1e-2)),
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='Resize', scale=image_size, keep_ratio=True),
    dict(type='Pad', size=image_size, pad_val=dict(img=(114, 114, 114))),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                    'scale_factor'))
]
train_dataloader = dict(batch_size=2, num_workers=4,
                        dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-4,
                   betas=(0.9, 0.999), weight_decay=0.1),
    constructor='gvp.LayerDecayOptimWrapperConstructor',
    paramwise_cfg=dict(layer_decay_rate=0.7))
max_epochs = 25
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0,
         end=250),
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True,
         milestones=[22, 24], gamma=0.1)
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs,
                 val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
auto_scale_lr = dict(base_batch_size=16)

# the toolbox's safe training (docs: README "When things go wrong"):
# atomic checkpoints, stop on NaN, data checks, named hung ranks
default_hooks = dict(
    checkpoint=dict(type='gvp.SafeCheckpointHook'),
    non_finite=dict(type='gvp.NonFiniteCheckHook'),
    data_check=dict(type='gvp.DataCheckHook'),
    heartbeat=dict(type='gvp.RankHeartbeatHook'))
env_cfg = dict(dist_cfg=dict(timeout=600))
