# Row "GVP mixed K=20" with a longer budget: all 60k training images for 2
# epochs (1874 steps, 3x the 4e-10k rows), otherwise identical.
_base_ = './gvp-p2p-mixed-k20_vit-tiny-p4_1xb64-4e-10k_fashion-mnist.py'
train_dataloader = dict(dataset=dict(indices=None))
max_epochs = 2
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0,
         end=300),
    dict(type='CosineAnnealingLR', T_max=max_epochs * 937 - 300,
         by_epoch=False, begin=300, end=max_epochs * 937, eta_min=1e-6)
]
