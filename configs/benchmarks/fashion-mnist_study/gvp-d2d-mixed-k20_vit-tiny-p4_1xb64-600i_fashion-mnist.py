# Row "GVP-d2d" at demo size: the p2d row with ids in as well.
_base_ = './gvp-p2d-mixed-k20_vit-tiny-p4_1xb64-600i_fashion-mnist.py'
model = dict(backbone=dict(
    input_embed=dict(type='IdEmbedding', vocab_size=256)))
