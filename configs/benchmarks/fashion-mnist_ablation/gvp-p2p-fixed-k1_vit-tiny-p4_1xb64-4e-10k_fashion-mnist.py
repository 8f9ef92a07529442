# Row "GVP fixed K=1": one predicted group (24 visible, 25 predicted tokens
# at T=49): masked modelling inside the GVP code, MAE-like.
_base_ = './gvp-p2p-mixed-k20_vit-tiny-p4_1xb64-4e-10k_fashion-mnist.py'
model = dict(backbone=dict(mask_generator=dict(
    _delete_=True, type='FixedLengthMaskGenerator', num_groups=1)))
