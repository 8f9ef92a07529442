# The study's schedule run for 2400 iterations (learning curves): the same
# 60 warm-up iterations, then cosine to the end.
_base_ = './adamw_warmup60-coslr-600i_fashion-mnist.py'
max_iters = 2400
train_cfg = dict(max_iters=max_iters)
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0,
         end=60),
    dict(type='CosineAnnealingLR', T_max=max_iters - 60, by_epoch=False,
         begin=60, end=max_iters, eta_min=1e-6)
]
# a learning curve: every 150th checkpoint kept, probed at 150, 300, 600,
# 1200 and 2400 iterations
default_hooks = dict(checkpoint=dict(interval=150, max_keep_ckpts=-1))
