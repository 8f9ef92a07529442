"""VQGAN tokenizer: frozen target/input generator for p2d and d2d, and a
model ``tools/train.py`` can train (paper §4.1, §5; docs/design.md §5).

The default arguments are MaskGIT's tokenizer as MAGE ships it
(``vqgan_jax_strongaug.ckpt``): ``ch 128``, ``ch_mult (1, 1, 2, 2, 4)``, two
residual blocks per level, no attention, ``z_channels 256``, codebook
1024 x 256, f16 — 168 tensors. Images in and out are in ``[0, 1]``.
"""
from typing import Dict, Optional, Sequence

import torch
import torch.nn.functional as F
from mmengine.model import BaseModel
from torch import Tensor

from gvp.registry import MODELS
from gvp.utils.state_dict import state_dict_mismatch
from gvp.utils.views import first_view
from .quantizer import VectorQuantizer
from .vqgan_modules import Decoder, Encoder


@MODELS.register_module()
class VQGANTokenizer(BaseModel):
    """MaskGIT/MAGE VQGAN.

    Args:
        ch, ch_mult, num_res_blocks, z_channels: the architecture; the
            downsampling factor is ``f = 2 ** (len(ch_mult) - 1)``.
        num_codes (int): codebook size; codes are ``z_channels`` wide.
        in_channels (int): image channels (in and out).
        checkpoint (str, optional): weights to load strictly (MAGE's file, a
            ``state_dict`` wrapper of it, or a checkpoint of this model
            trained with ``tools/train.py``).
        frozen (bool): a fixed tokenizer for GVP: no gradients, always in
            eval, autocast on CUDA.
        beta (float): commitment weight (training).
        rec_loss (str): ``'l1'`` or ``'l2'`` reconstruction loss (training).
        restart_interval (int): every this many training steps, codes used
            by no input since the last restart are moved onto random encoder
            outputs of the current batch (keeps small codebooks alive);
            0 disables.
    """

    def __init__(self,
                 ch: int = 128,
                 ch_mult: Sequence[int] = (1, 1, 2, 2, 4),
                 num_res_blocks: int = 2,
                 z_channels: int = 256,
                 num_codes: int = 1024,
                 in_channels: int = 3,
                 checkpoint: Optional[str] = None,
                 frozen: bool = False,
                 beta: float = 0.25,
                 rec_loss: str = 'l1',
                 restart_interval: int = 50,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg=None):
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        if rec_loss not in ('l1', 'l2'):
            raise ValueError(
                f"rec_loss must be 'l1' or 'l2', got {rec_loss!r}")
        self.stride = 2**(len(ch_mult) - 1)
        self.encoder = Encoder(ch, ch_mult, num_res_blocks, in_channels,
                               z_channels)
        self.decoder = Decoder(ch, ch_mult, num_res_blocks, in_channels,
                               z_channels)
        self.quantize = VectorQuantizer(num_codes, z_channels)
        self.beta = beta
        self.rec_loss = rec_loss
        self.restart_interval = restart_interval
        # not saved: the state dict stays exactly MAGE's 168 tensors
        self.register_buffer('code_hits', torch.zeros(num_codes),
                             persistent=False)
        self.register_buffer('steps', torch.zeros((), dtype=torch.long),
                             persistent=False)
        self.checkpoint = checkpoint
        if checkpoint is not None:
            load_tokenizer_weights(self, checkpoint)
        self.frozen = frozen
        if frozen:
            self.requires_grad_(False)
            self.eval()

    @property
    def num_codes(self) -> int:
        return self.quantize.num_codes

    def init_weights(self):
        # loaded weights are final; re-initialising would erase them
        if self.checkpoint is None:
            super().init_weights()

    def train(self, mode: bool = True):
        # a frozen tokenizer stays in eval when the runner calls .train()
        return super().train(mode and not self.frozen)

    # ------------------------------------------------------------ use --- #
    def _autocast(self, x: Tensor):
        return torch.autocast(device_type=x.device.type,
                              enabled=self.frozen and x.is_cuda)

    def features(self, images: Tensor) -> Tensor:
        """``[B, C, H, W]`` in ``[0, 1]`` -> encoder output
        ``[B, z_channels, H / f, W / f]`` (before quantisation)."""
        self._check_size(images)
        with torch.set_grad_enabled(torch.is_grad_enabled() and
                                    not self.frozen), self._autocast(images):
            return self.encoder(images).float()

    def encode_ids(self, images: Tensor) -> Tensor:
        """``[B, C, H, W]`` in ``[0, 1]`` -> ids ``[B, H / f, W / f]``."""
        return self.quantize.lookup(self.features(images))

    def decode_ids(self, ids: Tensor) -> Tensor:
        """ids ``[B, h, w]`` -> images ``[B, C, h * f, w * f]``, clamped to
        ``[0, 1]``."""
        z_q = self.quantize.embed(ids)
        with torch.set_grad_enabled(torch.is_grad_enabled() and
                                    not self.frozen), self._autocast(ids):
            return self.decoder(z_q).float().clamp(0, 1)

    def reconstruct(self, images: Tensor) -> Tensor:
        return self.decode_ids(self.encode_ids(images))

    def _check_size(self, images: Tensor):
        if images.dim() != 4 or any(s % self.stride
                                    for s in images.shape[-2:]):
            raise ValueError(
                f'the tokenizer downsamples by f={self.stride}: images must '
                f'be [B, C, H, W] with H and W multiples of {self.stride}, '
                f'got {tuple(images.shape)}; resize/crop in the pipeline.')

    # ------------------------------------------------------- training --- #
    def forward(self, inputs, data_samples=None, mode: str = 'tensor'):
        inputs = first_view(inputs)
        if mode == 'loss':
            return self.loss(inputs)
        if mode == 'tensor':
            return self.reconstruct(inputs)
        raise RuntimeError(f'Invalid mode {mode!r} for VQGANTokenizer: '
                           "use 'loss' or 'tensor'.")

    def loss(self, images: Tensor) -> Dict[str, Tensor]:
        """Reconstruction + codebook + ``beta`` x commitment losses, and the
        batch's codebook usage (fraction of codes used) and perplexity."""
        self._check_size(images)
        z = self.encoder(images)
        q = self.quantize(z)
        rec = self.decoder(q.z_q)
        rec_fn = F.l1_loss if self.rec_loss == 'l1' else F.mse_loss
        counts = torch.bincount(q.ids.flatten(), minlength=self.num_codes)
        probs = counts.float() / counts.sum()
        entropy = -(probs[probs > 0] * probs[probs > 0].log()).sum()
        if self.training:
            self._restart_dead_codes(z.detach(), counts)
        return dict(
            loss_rec=rec_fn(rec, images),
            loss_codebook=q.codebook_loss,
            loss_commit=self.beta * q.commitment_loss,
            usage=(counts > 0).float().mean(),
            perplexity=entropy.exp())

    @torch.no_grad()
    def _restart_dead_codes(self, z: Tensor, counts: Tensor):
        self.code_hits += counts
        self.steps += 1
        if not self.restart_interval or self.steps % self.restart_interval:
            return
        dead = (self.code_hits == 0).nonzero().flatten()
        self.code_hits.zero_()
        if dead.numel() == 0:
            return
        flat = z.permute(0, 2, 3, 1).reshape(-1, z.shape[1])
        pick = torch.randint(flat.shape[0], (dead.numel(), ), device=z.device)
        self.quantize.embedding.weight.data[dead] = flat[pick].to(
            self.quantize.embedding.weight.dtype)


def load_tokenizer_weights(model: VQGANTokenizer, path: str) -> None:
    """Load ``path`` strictly; on any mismatch raise with the missing,
    unexpected and mis-shaped keys named."""
    import os.path as osp

    from mmengine.runner.checkpoint import CheckpointLoader
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'tokenizer checkpoint {path!r} not found: train one with '
            f'tools/train.py configs/vqgan/... or give the path of MAGE\'s '
            f'vqgan_jax_strongaug.ckpt in tokenizer.checkpoint.')
    ckpt = CheckpointLoader.load_checkpoint(path, map_location='cpu')
    state = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else None
    if not isinstance(state, dict):
        raise ValueError(f'{path} holds no state dict (got {type(ckpt)}).')
    problems = state_dict_mismatch(model.state_dict(), state)
    if problems:
        raise ValueError(
            f'{path} is not a checkpoint of this tokenizer '
            f'(ch/ch_mult/num_res_blocks/z_channels/num_codes must match '
            f'the file):\n  ' + '\n  '.join(problems))
    model.load_state_dict(state, strict=True)
