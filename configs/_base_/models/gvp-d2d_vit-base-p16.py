# GVP-d2d, ViT-B: VQGAN ids in (token embedding), ids out (paper §5).
# 256 px -> f16 tokenizer -> 16x16 ids; the backbone's grid is
# img_size / patch_size = 256 / 16, with patch_size the tokenizer's factor.
_base_ = './gvp-p2d_vit-base-p16.py'
model = dict(
    backbone=dict(img_size=256, patch_size=16,
                  input_embed=dict(type='IdEmbedding', vocab_size=1024)))
