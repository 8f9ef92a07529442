# Demo GVP-p2d: the p2p demo with ids of the small Fashion-MNIST tokenizer
# (configs/vqgan/vqgan-f4-256_ch32_1xb64-1500i_fashion-mnist.py) as targets.
# 28 px -> ViT patch 4 -> 7x7 tokens; tokenizer f4 on the same image -> 7x7.
_base_ = './gvp-p2p_vit-tiny-p4_1xb64-600i_fashion-mnist.py'
tokenizer_ckpt = ('work_dirs/vqgan-f4-256_ch32_1xb64-1500i_fashion-mnist/'
                  'iter_1500.pth')
model = dict(
    target_generator=dict(
        _delete_=True, type='TokenIdTarget', num_codes=256,
        loss=dict(type='LabelSmoothLoss', label_smooth_val=0.1,
                  mode='original')),
    tokenizer=dict(
        type='VQGANTokenizer', ch=32, ch_mult=(1, 2, 2), num_res_blocks=1,
        z_channels=32, num_codes=256, checkpoint=tokenizer_ckpt))
# no reconstruction pictures: p2d predicts ids from pixels, nothing to feed
# back (generation is p2p / d2d)
custom_hooks = []
