# The study's schedule and runtime (docs/study_fashion-mnist.md): the
# paper's AdamW (betas 0.9/0.95, wd 0.05) at recipe v2's lr 1.5e-3 for
# batch 64, 60 warm-up iterations then cosine to 600; a checkpoint every
# 100 iterations (a killed run resumes losing at most 100). Chosen before
# the study and never per row; seeds come from the study runner.
_base_ = ['./adamw_coslr-200e_gvp.py', '../default_runtime.py']
optim_wrapper = dict(optimizer=dict(lr=1.5e-3))
max_iters = 600
train_cfg = dict(_delete_=True, type='IterBasedTrainLoop', max_iters=max_iters)
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0,
         end=60),
    dict(type='CosineAnnealingLR', T_max=max_iters - 60, by_epoch=False,
         begin=60, end=max_iters, eta_min=1e-6)
]
auto_scale_lr = dict(base_batch_size=64)
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50),
    checkpoint=dict(type='SafeCheckpointHook', interval=100, by_epoch=False,
                    max_keep_ckpts=1))
log_processor = dict(by_epoch=False)
custom_hooks = []
# LPIPS backbone of tools/analysis_tools/reconstruct.py: torchvision's
# AlexNet weights, put there by hand
lpips = dict(net='alex',
             backbone_checkpoint='checkpoints/alexnet-owt-7be5be79.pth')
