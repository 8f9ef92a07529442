# Row "causal masks on a single stream" (table 10's control): no query
# stream; a group is predicted from the previous group's first row
# (GVPSingleStreamViT), unaware of the position it predicts.
_base_ = './gvp-p2p-mixed-k20_vit-tiny-p4_1xb64-600i_fashion-mnist.py'
# restated (_delete_): the base's two-stream backbone has ``prune``, an
# argument of the query stream that this class does not have
model = dict(
    backbone=dict(
        _delete_=True,
        type='GVPSingleStreamViT',
        arch='tiny',
        img_size=28,
        patch_size=4,
        mask_generator=dict(
            type='MixedLengthMaskGenerator',
            num_groups=20,
            mean=0.5,
            std=0.1,
            order=dict(type='RandomOrder'))))
