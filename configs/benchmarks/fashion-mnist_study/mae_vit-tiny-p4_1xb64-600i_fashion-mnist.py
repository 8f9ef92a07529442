# Row "MAE": mmpretrain's MAE of the ablation (ViT-Tiny, 4-block 128-wide
# decoder, mask ratio 0.75) on the study recipe of
# gvp-p2p-mixed-k20_vit-tiny-p4_1xb64-600i_fashion-mnist.py (recipe v2
# shortened to 600 iterations; the schedule lines repeat that file's: two
# bases that both define `model` cannot be merged).
_base_ = ('../fashion-mnist_ablation/'
          'mae_vit-tiny-p4_1xb64-2800i-60k-v2_fashion-mnist.py')
max_iters = 600
train_cfg = dict(max_iters=max_iters)
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0,
         end=60),
    dict(type='CosineAnnealingLR', T_max=max_iters - 60, by_epoch=False,
         begin=60, end=max_iters, eta_min=1e-6)
]
default_hooks = dict(
    checkpoint=dict(interval=100, max_keep_ckpts=1))
