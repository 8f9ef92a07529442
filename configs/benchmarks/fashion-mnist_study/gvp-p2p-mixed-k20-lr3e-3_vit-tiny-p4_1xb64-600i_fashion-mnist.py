# Diagnostic: learning rate 2x the study recipe's (3e-3).
_base_ = './gvp-p2p-mixed-k20_vit-tiny-p4_1xb64-600i_fashion-mnist.py'
optim_wrapper = dict(optimizer=dict(lr=3e-3))
