# Row "fixed K=1" (table 4): one predicted group, MAE-like.
_base_ = './gvp-p2p-mixed-k20_vit-tiny-p4_1xb64-600i_fashion-mnist.py'
model = dict(backbone=dict(mask_generator=dict(
    _delete_=True, type='FixedLengthMaskGenerator', num_groups=1)))
