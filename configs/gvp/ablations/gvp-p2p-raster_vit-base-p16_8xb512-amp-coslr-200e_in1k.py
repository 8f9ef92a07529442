# Table 3: fixed (raster) index sequence z = [1..T], mixed length K = 20.
_base_ = '../gvp-p2p_vit-base-p16_8xb512-amp-coslr-200e_in1k.py'
model = dict(backbone=dict(mask_generator=dict(
    order=dict(type='RasterOrder'))))
