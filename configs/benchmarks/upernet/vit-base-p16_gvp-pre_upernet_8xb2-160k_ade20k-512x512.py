# Semantic segmentation (paper appendix D, table 6; BEiT/MAE ADE20K
# settings): UperNet on the GVP ViT-B/16 in `finetune` mode (no mask), blocks
# 3, 5, 7, 11 through mmseg's Feature2Pyramid (x4, x2, x1, x0.5), ADE20K
# 512x512, 160k iterations at batch 16 (8 GPUs x 2), AdamW lr 1e-4, wd 0.05,
# layer-wise lr decay 0.65 (gvp's constructor), linear warm-up 1500 + poly.
# checkpoint: tools/model_converters/gvp2vit.py output (no prefix).
_base_ = [
    'mmseg::_base_/models/upernet_mae.py',
    'mmseg::_base_/datasets/ade20k.py',
    'mmseg::_base_/default_runtime.py',
    'mmseg::_base_/schedules/schedule_160k.py',
]
custom_imports = dict(imports=['gvp'], allow_failed_imports=False)
crop_size = (512, 512)
norm_cfg = dict(type='SyncBN', requires_grad=True)
data_preprocessor = dict(size=crop_size)
model = dict(
    data_preprocessor=data_preprocessor,
    backbone=dict(
        _delete_=True,
        type='gvp.GVPFinetuneViT',
        arch='base',
        img_size=crop_size,
        patch_size=16,
        out_indices=(3, 5, 7, 11),
        out_type='featmap',
        final_norm=False,
        drop_path_rate=0.1,
        init_cfg=dict(type='Pretrained',
                      checkpoint='checkpoints/gvp-p2p_vit-base-p16.pth')),
    neck=dict(embed_dim=768, rescales=[4, 2, 1, 0.5]),
    decode_head=dict(in_channels=[768, 768, 768, 768], num_classes=150,
                     channels=768, norm_cfg=norm_cfg),
    auxiliary_head=dict(in_channels=768, num_classes=150,
                        norm_cfg=norm_cfg),
    test_cfg=dict(mode='slide', crop_size=crop_size, stride=(341, 341)))

optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-4, betas=(0.9, 0.999),
                   weight_decay=0.05),
    constructor='gvp.LayerDecayOptimWrapperConstructor',
    paramwise_cfg=dict(layer_decay_rate=0.65))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6, by_epoch=False, begin=0,
         end=1500),
    dict(type='PolyLR', eta_min=0.0, power=1.0, begin=1500, end=160000,
         by_epoch=False)
]
train_dataloader = dict(batch_size=2)
val_dataloader = dict(batch_size=1)
test_dataloader = val_dataloader

# the toolbox's safe training (docs: README "When things go wrong"):
# atomic checkpoints, stop on NaN, data checks, named hung ranks
default_hooks = dict(
    checkpoint=dict(type='gvp.SafeCheckpointHook'),
    non_finite=dict(type='gvp.NonFiniteCheckHook'),
    data_check=dict(type='gvp.DataCheckHook'),
    heartbeat=dict(type='gvp.RankHeartbeatHook'))
env_cfg = dict(dist_cfg=dict(timeout=600))
