# The paper's pretraining schedule (§5): AdamW, lr 1.5e-4 x batch / 256,
# wd 0.05, betas (0.9, 0.95), cosine with 10-epoch warm-up, 200 epochs.
# (configs named "amp" switch to AmpOptimWrapper, which needs a GPU)
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='AdamW', lr=1.5e-4 * 4096 / 256, betas=(0.9, 0.95),
        weight_decay=0.05),
    paramwise_cfg=dict(
        custom_keys={
            'ln': dict(decay_mult=0.0),
            'bias': dict(decay_mult=0.0),
            'pos_embed': dict(decay_mult=0.),
            'cls_token': dict(decay_mult=0.),
            'query_token': dict(decay_mult=0.),
        }))

param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1e-4,
        by_epoch=True,
        begin=0,
        end=10,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        T_max=190,
        by_epoch=True,
        begin=10,
        end=200,
        convert_to_iter_based=True)
]

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=200)
# lr above is for the total batch 4096; --auto-scale-lr rescales it
auto_scale_lr = dict(base_batch_size=4096)
