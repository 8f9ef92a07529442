# A 2-D order beyond the paper: z runs from the centre of the 14x14 grid
# outwards (rings, random within a ring), mixed length K = 20: G_0 is a
# central blob, each later group a ring around it (outpainting).
_base_ = '../gvp-p2p_vit-base-p16_8xb512-amp-coslr-200e_in1k.py'
model = dict(backbone=dict(mask_generator=dict(
    order=dict(type='CentreOutOrder'))))
