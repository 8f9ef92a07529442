# Demo GVP-d2d: 7x7 ids of the small tokenizer in (token embedding) and out.
_base_ = './gvp-p2d_vit-tiny-p4_1xb64-600i_fashion-mnist.py'
model = dict(backbone=dict(
    input_embed=dict(type='IdEmbedding', vocab_size=256)))
