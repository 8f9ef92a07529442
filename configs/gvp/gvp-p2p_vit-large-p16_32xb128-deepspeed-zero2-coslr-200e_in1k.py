# GVP-p2p, ViT-L/16, batch 4096 = 32 GPUs x 128, DeepSpeed ZeRO-2 (optimizer
# states and gradients sharded; mmengine's FlexibleRunner +
# DeepSpeedStrategy; needs `pip install deepspeed` and GPUs).
_base_ = ['./gvp-p2p_vit-large-p16_32xb128-fsdp-coslr-200e_in1k.py']
strategy = dict(
    _delete_=True,
    type='DeepSpeedStrategy',
    bf16=dict(enabled=True),
    zero_optimization=dict(
        stage=2,
        allgather_partitions=True,
        reduce_scatter=True,
        allgather_bucket_size=int(5e8),
        reduce_bucket_size=int(5e8),
        overlap_comm=True,
        contiguous_gradients=True),
    gradient_clipping=0.0)
optim_wrapper = dict(type='DeepSpeedOptimWrapper')
