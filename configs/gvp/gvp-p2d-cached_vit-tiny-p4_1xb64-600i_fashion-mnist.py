# Demo GVP-p2d on offline ids: the tokenizer is paid once, before training,
# for 4 augmented views per image; each step reads one cached view's ids
# and rebuilds that view's pixels (docs/benchmark.md, token cache).
#   python tools/dataset_converters/cache_tokens.py THIS_CONFIG \
#       work_dirs/token-cache_fashion-mnist --views 4
#   python tools/train.py THIS_CONFIG
_base_ = './gvp-p2d_vit-tiny-p4_1xb64-600i_fashion-mnist.py'
token_cache = 'work_dirs/token-cache_fashion-mnist'
train_pipeline = [
    dict(type='LoadImageOrSkip'),
    dict(type='LoadCachedView', cache=token_cache),
    dict(type='ReplayResizedCrop', scale=28, crop_ratio_range=(0.2, 1.0),
         backend='pillow', interpolation='bicubic'),
    dict(type='ReplayFlip', prob=0.5),
    dict(type='PackInputs', algorithm_keys=['token_ids'])
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
