# Fashion-MNIST (28x28, 10 classes) in mmpretrain's folder + ann-file layout,
# written by tools/dataset_converters/fashion_mnist.py. Loaded as 3 channels.
dataset_type = 'CustomDataset'
data_root = 'data/fashion-mnist/'
data_preprocessor = dict(
    type='SelfSupDataPreprocessor',
    mean=[72.94, 72.94, 72.94],
    std=[90.02, 90.02, 90.02],
    to_rgb=False)

train_pipeline = [
    dict(type='LoadImageOrSkip'),
    dict(
        type='RandomResizedCrop',
        scale=28,
        crop_ratio_range=(0.2, 1.0),
        backend='pillow',
        interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackInputs')
]

train_dataloader = dict(
    batch_size=64,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='meta/train.txt',
        data_prefix='train',
        with_label=True,
        pipeline=train_pipeline))
