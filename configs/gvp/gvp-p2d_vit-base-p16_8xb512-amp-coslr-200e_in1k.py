# GVP-p2d, ViT-B/16, ImageNet-1k, 200 epochs, batch 4096 = 8 GPUs x 512.
# Needs MAGE's tokenizer at checkpoints/vqgan_jax_strongaug.ckpt
# (or --cfg-options model.tokenizer.checkpoint=PATH).
_base_ = [
    '../_base_/models/gvp-p2d_vit-base-p16.py',
    '../_base_/datasets/imagenet_bs512_gvp.py',
    '../_base_/schedules/adamw_coslr-200e_gvp.py',
    '../_base_/default_runtime.py',
]
optim_wrapper = dict(type='AmpOptimWrapper', loss_scale='dynamic')
resume = True
