# Appendix E: GVP-p2p with y_extra = pooled VQGAN features instead of the
# class token (the paper ran it on ImageNet-100; set the dataset to yours).
# grid=1: one token per image; grid=g: g*g region tokens. Use the same
# y_extra block in the probe / fine-tune backbone (downstream use).
_base_ = './gvp-p2p_vit-base-p16_8xb512-amp-coslr-200e_in1k.py'
model = dict(
    backbone=dict(
        y_extra=dict(
            type='TokenizerCondition',
            grid=1,
            tokenizer=dict(
                type='VQGANTokenizer',
                checkpoint='checkpoints/vqgan_jax_strongaug.ckpt'),
            # = the data preprocessor's (ImageNet) normalisation
            mean=[123.675, 116.28, 103.53],
            std=[58.395, 57.12, 57.375])))
