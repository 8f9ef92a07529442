# GVP-p2p, ViT-L/16, ImageNet-1k, 200 epochs, batch 4096 = 32 GPUs x 128,
# sharded with FSDP (mmengine's FlexibleRunner + FSDPStrategy, as for
# mmpretrain's large MAE runs): one FSDP unit per transformer block, bf16
# compute with fp32 reductions, activation checkpointing in every block of
# both streams. The schedule is the paper's (§5).
_base_ = [
    '../_base_/models/gvp-p2p_vit-base-p16.py',
    '../_base_/datasets/imagenet_bs512_gvp.py',
    '../_base_/schedules/adamw_coslr-200e_gvp.py',
    '../_base_/default_runtime.py',
]
model = dict(backbone=dict(arch='large', with_cp=True))
train_dataloader = dict(batch_size=128)

runner_type = 'FlexibleRunner'
strategy = dict(
    type='FSDPStrategy',
    # consolidated checkpoints (one iter_N.pth, gathered on rank 0): what
    # --resume, the converter and downstream configs read
    state_dict_cfg='full',
    model_wrapper=dict(
        auto_wrap_policy='gvp_transformer_layer_wrap_policy',
        # every rank initialises its own copy (diff_rank_seed): start all
        # shards from rank 0's weights, as DDP does
        sync_module_states=True,
        mixed_precision=dict(
            param_dtype='bfloat16', reduce_dtype='float32',
            buffer_dtype='float32')))
resume = True  # continue from the work dir's checkpoints when there are any
