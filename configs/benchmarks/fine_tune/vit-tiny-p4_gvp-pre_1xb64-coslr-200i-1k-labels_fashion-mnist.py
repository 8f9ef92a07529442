# Protocol (d) of the study (docs/study_fashion-mnist.md): a short
# fine-tune with 1,000 labels -- the Fashion-MNIST fine-tune recipe
# (vit-tiny-p4_gvp-pre_1xb64-coslr-10e_fashion-mnist.py: AdamW, layer decay
# 0.65, flip) shrunk to the first 1,000 training images and 200 iterations
# (~13 passes over them, 20 warm-up), evaluated once, at the end, on the
# 10k test images. The study runner sets the backbone checkpoint
# (model.backbone.init_cfg.checkpoint) and the seed.
_base_ = './vit-tiny-p4_gvp-pre_1xb64-coslr-10e_fashion-mnist.py'
train_dataloader = dict(num_workers=1, dataset=dict(indices=1000))
val_dataloader = dict(num_workers=1)
test_dataloader = val_dataloader
max_iters = 200
train_cfg = dict(_delete_=True, type='IterBasedTrainLoop',
                 max_iters=max_iters, val_interval=max_iters)
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=False, begin=0,
         end=20),
    dict(type='CosineAnnealingLR', T_max=max_iters - 20, by_epoch=False,
         begin=20, end=max_iters, eta_min=1e-6)
]
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50),
    checkpoint=dict(type='SafeCheckpointHook', interval=max_iters,
                    by_epoch=False, max_keep_ckpts=1, save_last=True))
log_processor = dict(by_epoch=False)
randomness = dict(seed=0)
