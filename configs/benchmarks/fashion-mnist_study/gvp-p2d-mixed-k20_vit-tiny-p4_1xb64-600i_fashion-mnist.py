# Row "GVP-p2d" at demo size: ids of the small Fashion-MNIST tokenizer
# (configs/vqgan/vqgan-f4-256_ch32_1xb64-1500i_fashion-mnist.py) as targets.
_base_ = './gvp-p2p-mixed-k20_vit-tiny-p4_1xb64-600i_fashion-mnist.py'
model = dict(
    target_generator=dict(
        _delete_=True, type='TokenIdTarget', num_codes=256,
        loss=dict(type='LabelSmoothLoss', label_smooth_val=0.1,
                  mode='original')),
    tokenizer=dict(
        type='VQGANTokenizer', ch=32, ch_mult=(1, 2, 2), num_res_blocks=1,
        z_channels=32, num_codes=256,
        checkpoint='work_dirs/vqgan-f4-256_ch32_1xb64-1500i_fashion-mnist/'
        'iter_1500.pth'))
custom_hooks = []
