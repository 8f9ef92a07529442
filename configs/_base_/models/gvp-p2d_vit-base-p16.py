# GVP-p2d, ViT-B/16: pixels in, VQGAN ids out (paper §5).
# Grid choice: the ViT sees 224 px as 14x14 patches of 16; the tokenizer
# (f16, fully convolutional) is run on the *same* 224 px image and gives
# 14x14 ids, one per patch. (Tokenising at 256 and resampling ids would
# misalign targets and patches.)
_base_ = './gvp-p2p_vit-base-p16.py'
model = dict(
    target_generator=dict(
        _delete_=True,
        type='TokenIdTarget',
        num_codes=1024,
        # MAGE's label smoothing, as mmpretrain's loss
        loss=dict(type='LabelSmoothLoss', label_smooth_val=0.1,
                  mode='original')),
    # MAGE's tokenizer (vqgan_jax_strongaug.ckpt, see configs/vqgan/);
    # frozen, run once per step for the whole batch (ids for the target and,
    # in d2d, the input)
    tokenizer=dict(
        type='VQGANTokenizer',
        checkpoint='checkpoints/vqgan_jax_strongaug.ckpt'))
