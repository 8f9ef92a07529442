# Recipe v2's data (docs/ablation_fashion-mnist.md): all 60k training
# images, batch 64, a milder RandomResizedCrop (0.5-1: a 28 px crop of 20 %
# is a blur unlike the test images) and flips.
_base_ = './fashion-mnist_bs64_gvp.py'
train_pipeline = [
    dict(type='LoadImageOrSkip'),
    dict(type='RandomResizedCrop', scale=28, crop_ratio_range=(0.5, 1.0),
         backend='pillow', interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackInputs')
]
train_dataloader = dict(dataset=dict(indices=None, pipeline=train_pipeline))
