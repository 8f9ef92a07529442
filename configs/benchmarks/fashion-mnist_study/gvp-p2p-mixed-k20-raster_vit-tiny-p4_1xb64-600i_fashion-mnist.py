# Row "mixed K=20, raster order" (table 3).
_base_ = './gvp-p2p-mixed-k20_vit-tiny-p4_1xb64-600i_fashion-mnist.py'
model = dict(backbone=dict(mask_generator=dict(
    order=dict(type='RasterOrder'))))
