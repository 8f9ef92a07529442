# GVP-p2p, ViT-Tiny (192 wide, 12 blocks, 3 heads) on 28 px images, patch 4
# -> 7x7 = 49 tokens, mixed length K = 20: the Fashion-MNIST model of the
# demo, the ablation and the study. Head and target widths come from it.
_base_ = './gvp-p2p_vit-base-p16.py'
model = dict(backbone=dict(arch='tiny', img_size=28, patch_size=4))
