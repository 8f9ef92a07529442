# Table 4 like for like (docs/study_curves_fashion-mnist.md): random-length
# groups at K = 20, on the curves' 2400-iteration schedule; the study stops
# it at 600 iterations and probes it there.
_base_ = './gvp-p2p-mixed-k20_vit-tiny-p4_1xb64-2400i_fashion-mnist.py'
# the row's delta: K = 20 groups of random lengths
model = dict(backbone=dict(mask_generator=dict(
    _delete_=True, type='RandomLengthMaskGenerator', num_groups=20)))
