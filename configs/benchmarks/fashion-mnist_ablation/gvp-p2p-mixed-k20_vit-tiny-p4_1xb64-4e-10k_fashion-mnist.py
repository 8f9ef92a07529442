# Fashion-MNIST ablation (docs/ablation_fashion-mnist.md), row "GVP mixed
# K=20": the demo model (ViT-Tiny, patch 4, 49 tokens) pretrained for 4
# epochs on the first 10k training images, seed 0. The other rows inherit
# from this file and change only the plan (or the method).
_base_ = '../../gvp/gvp-p2p_vit-tiny-p4_1xb64-600i_fashion-mnist.py'

train_dataloader = dict(dataset=dict(indices=10000))
max_epochs = 4
train_cfg = dict(_delete_=True, type='EpochBasedTrainLoop',
                 max_epochs=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - 1, by_epoch=True,
         begin=1, end=max_epochs, eta_min=1e-6, convert_to_iter_based=True)
]
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50),
    checkpoint=dict(type='SafeCheckpointHook', interval=1, by_epoch=True,
                    max_keep_ckpts=1))
log_processor = dict(by_epoch=True)
custom_hooks = []
randomness = dict(seed=0, diff_rank_seed=True)
