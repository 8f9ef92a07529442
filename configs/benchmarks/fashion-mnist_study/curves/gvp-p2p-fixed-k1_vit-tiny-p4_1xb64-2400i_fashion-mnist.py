# Learning curve of the study row "gvp-p2p-fixed-k1" (docs/study_fashion-mnist.md):
# the study recipe run for 2400 iterations (2.6 epochs), every 150th
# checkpoint kept; the study probes the run at 0, 150, 300, 600, 1200 and
# 2400 iterations.
_base_ = './gvp-p2p-mixed-k20_vit-tiny-p4_1xb64-2400i_fashion-mnist.py'
# the row's delta: one predicted group
model = dict(backbone=dict(mask_generator=dict(
    _delete_=True, type='FixedLengthMaskGenerator', num_groups=1)))
