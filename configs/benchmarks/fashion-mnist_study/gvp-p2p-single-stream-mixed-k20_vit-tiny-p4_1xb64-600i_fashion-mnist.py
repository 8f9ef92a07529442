# Row "causal masks on a single stream" (table 10's control): no query
# stream; a group is predicted from the previous group's first row
# (GVPSingleStreamViT), unaware of the position it predicts. Same arch,
# image, patch and mask generator as the base; only the class changes (the
# base states no argument of the query stream: ``prune`` is left at its
# default, so this override stays one line).
_base_ = './gvp-p2p-mixed-k20_vit-tiny-p4_1xb64-600i_fashion-mnist.py'
model = dict(backbone=dict(type='GVPSingleStreamViT'))
