# Diagnostic: where the prediction happens -- the query stream runs through
# the last 4 of 12 blocks only (a decoder sharing the encoder's weights).
_base_ = './gvp-p2p-mixed-k20_vit-tiny-p4_1xb64-600i_fashion-mnist.py'
model = dict(backbone=dict(query_blocks=4))
