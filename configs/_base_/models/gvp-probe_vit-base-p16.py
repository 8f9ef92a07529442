# Linear probe model: GVPProbeViT (content stream, causal mask kept:
# probe_mask=True; False drops it), frozen by mmpretrain's frozen_stages
# (all blocks, the stem and the final norm), mean image token after the
# final norm, BatchNorm without affine, linear head. Weights: the
# converter's output.
model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='GVPProbeViT',
        arch='base',
        img_size=224,
        patch_size=16,
        probe_mask=True,
        frozen_stages=24,  # >= the depth: everything
        # the pretraining plan: the same feature distribution (paper §5)
        mask_generator=dict(type='MixedLengthMaskGenerator', num_groups=20),
        init_cfg=dict(type='Pretrained',
                      checkpoint='checkpoints/gvp-p2p_vit-base-p16.pth')),
    neck=dict(type='ClsBatchNormNeck', input_features=768),
    head=dict(
        type='LinearClsHead',
        num_classes=1000,
        in_channels=768,
        loss=dict(type='CrossEntropyLoss'),
        init_cfg=[dict(type='TruncNormal', layer='Linear', std=0.01)]))
