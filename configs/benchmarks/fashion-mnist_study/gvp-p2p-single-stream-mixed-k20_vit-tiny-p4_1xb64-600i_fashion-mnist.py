# Row "causal masks on a single stream" (table 10's control): no query
# stream; a group is predicted from the previous group's first row
# (GVPSingleStreamViT), unaware of the position it predicts.
_base_ = './gvp-p2p-mixed-k20_vit-tiny-p4_1xb64-600i_fashion-mnist.py'
model = dict(backbone=dict(type='GVPSingleStreamViT'))
