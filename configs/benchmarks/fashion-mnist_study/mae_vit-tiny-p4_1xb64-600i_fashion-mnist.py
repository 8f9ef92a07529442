# Row "MAE": mmpretrain's MAE (ViT-Tiny, 4-block 128-wide decoder, mask
# ratio 0.75) on the study's data and schedule, as the GVP rows.
_base_ = [
    '../../_base_/models/mae_vit-tiny-p4.py',
    '../../_base_/datasets/fashion-mnist_bs64_gvp-v2.py',
    '../../_base_/schedules/adamw_warmup60-coslr-600i_fashion-mnist.py',
]
