# Row "GVP, HOG target" (MaskFeat's target on GVP's two streams): the
# mixed K=20 row with per-token HOG (mmpretrain's HOGGenerator, 2x2-pixel
# cells: 3 channels x 9 bins x 2x2 cells = 108 numbers a token) as target.
_base_ = './gvp-p2p-mixed-k20_vit-tiny-p4_1xb64-4e-10k_fashion-mnist.py'
model = dict(
    target_generator=dict(
        _delete_=True, type='HOGTarget', nbins=9, pool=2,
        gaussian_window=4))
