# Row "random length K=20" (table 4).
_base_ = './gvp-p2p-mixed-k20_vit-tiny-p4_1xb64-600i_fashion-mnist.py'
model = dict(backbone=dict(mask_generator=dict(
    _delete_=True, type='RandomLengthMaskGenerator', num_groups=20)))
