# The study's schedule run for 1200 iterations: the same 60 warm-up
# iterations, then cosine to the end.
_base_ = './adamw_warmup60-coslr-600i_fashion-mnist.py'
max_iters = 1200
train_cfg = dict(max_iters=max_iters)
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0,
         end=60),
    dict(type='CosineAnnealingLR', T_max=max_iters - 60, by_epoch=False,
         begin=60, end=max_iters, eta_min=1e-6)
]
