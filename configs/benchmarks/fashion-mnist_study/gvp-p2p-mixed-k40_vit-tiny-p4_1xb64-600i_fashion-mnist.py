# Row "mixed K=40".
_base_ = './gvp-p2p-mixed-k20_vit-tiny-p4_1xb64-600i_fashion-mnist.py'
model = dict(backbone=dict(mask_generator=dict(num_groups=40)))
