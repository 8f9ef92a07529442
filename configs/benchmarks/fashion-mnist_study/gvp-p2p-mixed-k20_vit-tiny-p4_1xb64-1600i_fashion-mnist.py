# Diagnostic "length": the study recipe run twice as long (1600 iterations,
# the same 80 warm-up iterations, cosine to the end).
_base_ = './gvp-p2p-mixed-k20_vit-tiny-p4_1xb64-800i_fashion-mnist.py'
max_iters = 1600
train_cfg = dict(max_iters=max_iters)
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0,
         end=80),
    dict(type='CosineAnnealingLR', T_max=max_iters - 80, by_epoch=False,
         begin=80, end=max_iters, eta_min=1e-6)
]
