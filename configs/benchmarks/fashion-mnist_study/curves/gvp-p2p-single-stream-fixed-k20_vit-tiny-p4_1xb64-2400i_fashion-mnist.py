# Table 10 like for like (docs/study_curves_fashion-mnist.md): "+ causal
# masks" on a single stream (no query stream, GVPSingleStreamViT) without
# mixed length, against the two-stream fixed K = 20 row ("+ two-stream");
# stopped at 600 of the 2400-iteration schedule and probed there.
_base_ = './gvp-p2p-fixed-k20_vit-tiny-p4_1xb64-2400i_fashion-mnist.py'
# the row's delta: the class only (its arguments are the base's)
model = dict(backbone=dict(type='GVPSingleStreamViT'))
