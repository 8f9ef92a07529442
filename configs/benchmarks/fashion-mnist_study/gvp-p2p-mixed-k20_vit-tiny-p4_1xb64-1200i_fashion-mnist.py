# Diagnostic "length": the study recipe run twice as long (1200 iterations,
# the same 60 warm-up iterations, cosine to the end).
_base_ = [
    '../../_base_/models/gvp-p2p_vit-tiny-p4.py',
    '../../_base_/datasets/fashion-mnist_bs64_gvp-v2.py',
    '../../_base_/schedules/adamw_warmup60-coslr-1200i_fashion-mnist.py',
]
