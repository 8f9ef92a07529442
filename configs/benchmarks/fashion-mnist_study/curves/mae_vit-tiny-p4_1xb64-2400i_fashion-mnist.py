# Learning curve of the study row "mae" (docs/study_fashion-mnist.md):
# the study recipe run for 2400 iterations (2.6 epochs), every 150th
# checkpoint kept; the study probes the run at 0, 150, 300, 600, 1200 and
# 2400 iterations.
_base_ = [
    '../../../_base_/models/mae_vit-tiny-p4.py',
    '../../../_base_/datasets/fashion-mnist_bs64_gvp-v2.py',
    '../../../_base_/schedules/adamw_warmup60-coslr-2400i_fashion-mnist.py',
]
