# Demo of appendix E: the p2p demo with y_extra = the small tokenizer's
# encoder features pooled per image (one condition token).
_base_ = './gvp-p2p_vit-tiny-p4_1xb64-600i_fashion-mnist.py'
tokenizer_ckpt = ('work_dirs/vqgan-f4-256_ch32_1xb64-1500i_fashion-mnist/'
                  'iter_1500.pth')
model = dict(
    backbone=dict(
        y_extra=dict(
            type='TokenizerCondition',
            grid=1,
            tokenizer=dict(
                type='VQGANTokenizer', ch=32, ch_mult=(1, 2, 2),
                num_res_blocks=1, z_channels=32, num_codes=256,
                checkpoint=tokenizer_ckpt),
            mean=[72.94, 72.94, 72.94],
            std=[90.02, 90.02, 90.02])))
