# Demo GVP-d2d on offline ids: ids in and ids out, both from the token cache
# -- no image is decoded while training (the tokenizer is paid once, before,
# for 4 augmented views per image). The cache is the p2d-cached config's:
#   python tools/dataset_converters/cache_tokens.py \
#       configs/gvp/gvp-p2d-cached_vit-tiny-p4_1xb64-600i_fashion-mnist.py \
#       work_dirs/token-cache_fashion-mnist --views 4
#   python tools/train.py THIS_CONFIG
_base_ = './gvp-d2d_vit-tiny-p4_1xb64-600i_fashion-mnist.py'
token_cache = 'work_dirs/token-cache_fashion-mnist'
train_pipeline = [
    dict(type='LoadCachedView', cache=token_cache),
    dict(type='PackInputs', input_key='token_ids')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
# ids, not images: stacked as they are (no mean/std)
data_preprocessor = dict(_delete_=True, type='TokenIdsPreprocessor')
