# mmpretrain's own MAE with GVP's ViT-Tiny backbone size (patch 4, 28 px,
# 49 tokens), mask ratio 0.75 and a 4-block, 128-wide decoder as MAE: the
# baseline of the Fashion-MNIST ablation and study.
model = dict(
    type='MAE',
    data_preprocessor=dict(
        type='SelfSupDataPreprocessor',
        mean=[72.94, 72.94, 72.94],
        std=[90.02, 90.02, 90.02],
        to_rgb=False),
    backbone=dict(type='MAEViT', arch=dict(embed_dims=192, num_layers=12,
                                           num_heads=3,
                                           feedforward_channels=768),
                  img_size=28, patch_size=4, mask_ratio=0.75),
    neck=dict(type='MAEPretrainDecoder', num_patches=49, patch_size=4,
              in_chans=3, embed_dim=192, decoder_embed_dim=128,
              decoder_depth=4, decoder_num_heads=4, mlp_ratio=4.),
    head=dict(type='MAEPretrainHead', norm_pix=True, patch_size=4,
              loss=dict(type='PixelReconstructionLoss', criterion='L2')),
    init_cfg=[
        dict(type='Xavier', layer='Linear', distribution='uniform'),
        dict(type='Constant', layer='LayerNorm', val=1.0, bias=0.0)
    ])
