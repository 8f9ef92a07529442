# Diagnostic: raw pixel targets (no per-patch normalisation).
_base_ = './gvp-p2p-mixed-k20_vit-tiny-p4_1xb64-600i_fashion-mnist.py'
model = dict(target_generator=dict(norm_pix=False))
