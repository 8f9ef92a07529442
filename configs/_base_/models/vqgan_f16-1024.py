# MaskGIT's VQGAN in MAGE's layout (vqgan_jax_strongaug.ckpt): ch 128,
# ch_mult (1, 1, 2, 2, 4) -> f16, 2 res blocks per level, no attention,
# avg-pool downsampling, z_channels 256, codebook 1024 x 256. [0, 1] images.
model = dict(
    type='VQGANTokenizer',
    ch=128,
    ch_mult=(1, 1, 2, 2, 4),
    num_res_blocks=2,
    z_channels=256,
    num_codes=1024,
    beta=0.25,
    rec_loss='l1',
    restart_interval=50,
    # the tokenizer works on [0, 1]: scale by 1/255, no mean shift
    data_preprocessor=dict(
        type='SelfSupDataPreprocessor',
        mean=[0., 0., 0.],
        std=[255., 255., 255.],
        to_rgb=True))
