# The validation split on which the study (docs/study_fashion-mnist.md)
# chooses the learning rate of its 1k-label fine-tune, once for every row:
# the same 1,000 training labels, evaluated on the last 5,000 training
# images (train[55000:60000]; the labels, the probe's 5k and the test set
# never meet them) instead of the 10k test set.
_base_ = './vit-tiny-p4_gvp-pre_1xb64-coslr-200i-1k-labels_fashion-mnist.py'
val_dataloader = dict(
    dataset=dict(ann_file='meta/train.txt', data_prefix='train',
                 indices=list(range(55000, 60000))))
test_dataloader = val_dataloader
