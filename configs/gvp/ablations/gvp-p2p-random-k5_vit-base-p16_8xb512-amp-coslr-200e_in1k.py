# Table 4: random length, K = 5.
_base_ = '../gvp-p2p_vit-base-p16_8xb512-amp-coslr-200e_in1k.py'
model = dict(
    backbone=dict(
        mask_generator=dict(
            _delete_=True, type='RandomLengthMaskGenerator', num_groups=5)))
