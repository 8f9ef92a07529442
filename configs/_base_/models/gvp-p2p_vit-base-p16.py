# GVP-p2p, ViT-B/16: pixels in, pixels out (paper §4.1, §5).
# images -> input embedding (pixels: the default) -> plan (mask generator)
# -> two streams (GVPViT) -> GVPHead -> loss against the target generator.
# The head's width and the target's patch size and channels are filled in
# from the backbone: a new arch or patch size is set in one place.
model = dict(
    type='GVP',
    backbone=dict(
        type='GVPViT',
        arch='b',
        img_size=224,
        patch_size=16,
        # paper default: mixed length, K = 20, p ~ N(0.5, 0.1), random order
        mask_generator=dict(
            type='MixedLengthMaskGenerator',
            num_groups=20,
            mean=0.5,
            std=0.1,
            order=dict(type='RandomOrder'))),
    head=dict(type='GVPHead'),
    target_generator=dict(
        type='PixelTarget',
        norm_pix=True,
        loss=dict(type='PixelReconstructionLoss', criterion='L2')),
    # the reveal plan of generation (tools/analysis_tools/reconstruct.py,
    # GVPVisualizationHook, gvp.apis.reconstruct; appendix F)
    generation=dict(mask_ratio=0.75, num_groups=8),
    init_cfg=[
        dict(type='Xavier', layer='Linear', distribution='uniform'),
        dict(type='Constant', layer='LayerNorm', val=1.0, bias=0.0)
    ])
