# Table 4: mixed length, K = 5 (K = 20 is the main config).
_base_ = '../gvp-p2p_vit-base-p16_8xb512-amp-coslr-200e_in1k.py'
model = dict(backbone=dict(mask_generator=dict(num_groups=5)))
