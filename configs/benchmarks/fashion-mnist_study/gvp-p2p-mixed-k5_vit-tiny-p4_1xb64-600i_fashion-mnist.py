# Row "mixed K=5": also the diagnostic "K scaled with T" (the paper's K=20
# at T=196 is ~5 tokens a group; at T=49 that grain is K~5).
_base_ = './gvp-p2p-mixed-k20_vit-tiny-p4_1xb64-600i_fashion-mnist.py'
model = dict(backbone=dict(mask_generator=dict(num_groups=5)))
