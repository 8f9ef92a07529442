# Learning curve of the study row "gvp-p2p-mixed-k20" (docs/study_fashion-mnist.md):
# the study recipe (recipe v2, 60 warm-up iterations, then cosine to the
# end) run for 2400 iterations (2.6 epochs), every 150th checkpoint kept so
# that the study probes the run at 150, 300, 600, 1200 and 2400 iterations.
_base_ = '../gvp-p2p-mixed-k20_vit-tiny-p4_1xb64-600i_fashion-mnist.py'
max_iters = 2400
train_cfg = dict(max_iters=max_iters)
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0,
         end=60),
    dict(type='CosineAnnealingLR', T_max=max_iters - 60, by_epoch=False,
         begin=60, end=max_iters, eta_min=1e-6)
]
default_hooks = dict(checkpoint=dict(interval=150, max_keep_ckpts=-1))
