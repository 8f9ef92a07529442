# GVP-p2p, ViT-H/14 (16 x 16 = 256 tokens at 224 px), FSDP as the ViT-L
# config.
_base_ = ['./gvp-p2p_vit-large-p16_32xb128-fsdp-coslr-200e_in1k.py']
model = dict(backbone=dict(arch='huge', patch_size=14))
