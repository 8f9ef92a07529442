# A small tokenizer trained here: the same VQGAN code at a smaller width.
# Fashion-MNIST 28x28 -> f4 (ch_mult of 3 levels) -> 7x7 ids, matching the
# demo ViT's patch 4 grid; codebook 256 x 32.
_base_ = [
    '../_base_/models/vqgan_f16-1024.py',
    '../_base_/datasets/fashion-mnist_bs64_gvp.py',
    '../_base_/default_runtime.py',
]

model = dict(
    ch=32, ch_mult=(1, 2, 2), num_res_blocks=1, z_channels=32,
    num_codes=256, restart_interval=50)

# a tokenizer learns the data as it is: flips only, no crops
train_dataloader = dict(
    dataset=dict(pipeline=[
        dict(type='LoadImageOrSkip'),
        dict(type='RandomFlip', prob=0.5),
        dict(type='PackInputs')
    ]))

max_iters = 1500
optim_wrapper = dict(
    type='OptimWrapper', optimizer=dict(type='Adam', lr=2e-3,
                                        betas=(0.5, 0.9)))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-2, by_epoch=False, begin=0,
         end=50),
    dict(type='CosineAnnealingLR', T_max=max_iters - 50, by_epoch=False,
         begin=50, end=max_iters, eta_min=1e-5)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters)
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50),
    checkpoint=dict(type='SafeCheckpointHook', interval=500, by_epoch=False,
                    max_keep_ckpts=1))
log_processor = dict(by_epoch=False)
