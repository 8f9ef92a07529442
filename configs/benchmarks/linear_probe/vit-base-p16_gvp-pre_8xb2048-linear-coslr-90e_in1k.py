# Linear probing of a GVP ViT-B/16 (paper §5, MAE's recipe): frozen backbone
# in `probe` mode (causal mask kept), BatchNorm (no affine) + linear head,
# LARS lr 0.1 x batch / 256, 90 epochs, batch 16384 = 8 GPUs x 2048.
# Test-time features are deterministic (one seeded plan).
# checkpoint: tools/model_converters/gvp2vit.py output (no prefix).
_base_ = [
    'mmpretrain::_base_/datasets/imagenet_bs32_pil_resize.py',
    '../../_base_/models/gvp-probe_vit-base-p16.py',
    '../../_base_/schedules/lars_coslr-90e_linear-probe.py',
    '../../_base_/default_runtime.py',
]
train_dataloader = dict(batch_size=2048, drop_last=True)
val_dataloader = dict(drop_last=False)
test_dataloader = dict(drop_last=False)
default_hooks = dict(
    checkpoint=dict(type='SafeCheckpointHook', interval=1, max_keep_ckpts=3),
    logger=dict(type='LoggerHook', interval=10))
