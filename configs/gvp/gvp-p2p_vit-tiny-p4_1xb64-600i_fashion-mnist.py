# Demo: GVP-p2p ViT-Tiny (192 wide, 12 blocks) on Fashion-MNIST 28x28,
# patch 4 -> 7x7 = 49 tokens, mixed length K = 20. The paper's optimizer
# (AdamW, betas 0.9/0.95, wd 0.05), iteration based so that it finishes on
# a CPU: 100 warm-up iterations, then cosine to 600.
_base_ = [
    '../_base_/models/gvp-p2p_vit-tiny-p4.py',
    '../_base_/datasets/fashion-mnist_bs64_gvp.py',
    '../_base_/schedules/adamw_coslr-200e_gvp.py',
    '../_base_/default_runtime.py',
]

max_iters = 600
optim_wrapper = dict(optimizer=dict(lr=1.5e-4 * 64 / 256 * 4))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0,
         end=100),
    dict(type='CosineAnnealingLR', T_max=max_iters - 100, by_epoch=False,
         begin=100, end=max_iters, eta_min=1e-6)
]
train_cfg = dict(_delete_=True, type='IterBasedTrainLoop', max_iters=max_iters)
auto_scale_lr = dict(base_batch_size=64)
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=20),
    checkpoint=dict(
        type='SafeCheckpointHook', interval=200, by_epoch=False,
        max_keep_ckpts=2))
log_processor = dict(by_epoch=False)

# reconstruction pictures while training (vis_data/vis_image/, TensorBoard
# when its backend is added), on the model's reveal plan (model.generation)
custom_hooks = [
    dict(type='GVPVisualizationHook', interval=200, num_images=4)
]
# LPIPS backbone of tools/analysis_tools/reconstruct.py: torchvision's
# AlexNet weights, put there by hand
lpips = dict(net='alex',
             backbone_checkpoint='checkpoints/alexnet-owt-7be5be79.pth')
