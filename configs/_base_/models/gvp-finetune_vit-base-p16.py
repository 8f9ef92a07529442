# Fine-tune model: GVPFinetuneViT (mask dropped: mmpretrain's plain ViT), drop path 0.1, global pooling + fc norm, label smoothing 0.1,
# Mixup 0.8 / CutMix 1.0. Weights: the converter's output (no prefix).
model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='GVPFinetuneViT',
        arch='base',
        img_size=224,
        patch_size=16,
        drop_path_rate=0.1,
        out_type='avg_featmap',
        final_norm=False,
        init_cfg=dict(type='Pretrained',
                      checkpoint='checkpoints/gvp-p2p_vit-base-p16.pth')),
    neck=None,
    head=dict(
        type='LinearClsHead',
        num_classes=1000,
        in_channels=768,
        loss=dict(type='LabelSmoothLoss', label_smooth_val=0.1,
                  mode='original'),
        init_cfg=[dict(type='TruncNormal', layer='Linear', std=2e-5)]),
    train_cfg=dict(augments=[
        dict(type='Mixup', alpha=0.8),
        dict(type='CutMix', alpha=1.0)
    ]))
