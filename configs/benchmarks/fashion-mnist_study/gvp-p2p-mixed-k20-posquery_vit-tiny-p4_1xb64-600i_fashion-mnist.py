# Diagnostic: the query stream starts from E_pos alone (SAIM), not w + E_pos.
_base_ = './gvp-p2p-mixed-k20_vit-tiny-p4_1xb64-600i_fashion-mnist.py'
model = dict(backbone=dict(query_start=dict(type='PositionOnly')))
