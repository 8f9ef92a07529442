# Row "GVP, teacher-feature target" (the MILAN / EVA family): the mixed
# K=20 row predicting the per-token features of a frozen teacher, cosine
# loss on layer-normalised targets. Teacher: the MAE row's ViT-Tiny
# (mmpretrain's VisionTransformer, its last block's feature map), run
# first by tools/benchmarks_fashion_mnist_ablation.sh.
_base_ = './gvp-p2p-mixed-k20_vit-tiny-p4_1xb64-4e-10k_fashion-mnist.py'
model = dict(
    target_generator=dict(
        _delete_=True,
        type='TeacherFeatureTarget',
        teacher=dict(type='VisionTransformer', arch='deit-tiny',
                     img_size=28, patch_size=4, out_type='featmap',
                     final_norm=True),
        checkpoint='work_dirs/ablation/mae/epoch_4.pth',
        prefix='backbone.',
        feat_dims=192,
        loss=dict(type='CosineSimilarityLoss', shift_factor=1.,
                  scale_factor=1.)))
