"""LPIPS (Zhang et al. 2018) with a backbone loaded from a local file.

The ``lpips`` package ships its linear calibration layers but downloads the
ImageNet backbone (AlexNet / VGG16) from torchvision at construction; this
machine cannot. We build ``lpips.LPIPS`` with a random backbone and load
torchvision's weights from ``backbone_checkpoint``.
"""
import os.path as osp
from typing import Optional

import torch
import torch.nn.functional as F
from torch import Tensor, nn

BACKBONE_FILES = {
    'alex': 'alexnet-owt-7be5be79.pth',
    'vgg': 'vgg16-397923af.pth',
}


def _missing(net: str, what: str) -> str:
    return (f'LPIPS needs the ImageNet weights of its {net!r} backbone, '
            f'which cannot be downloaded here: {what}. Give the path of '
            f"torchvision's {BACKBONE_FILES.get(net, '<net>.pth')} as "
            "lpips = dict(backbone_checkpoint=PATH) at the config's top "
            "level (or --lpips-backbone PATH).")


class LPIPSDistance(nn.Module):
    """``(a, b)``: images ``[B, C, H, W]`` in ``[0, 1]`` -> ``[B]``.

    One-channel images are repeated to three; images smaller than
    ``min_size`` are upsampled (bilinear) first: the backbone's pooling
    stack needs some resolution (Fashion-MNIST is 28 px).
    """

    def __init__(self, model: nn.Module, min_size: int = 64):
        super().__init__()
        self.model = model.eval().requires_grad_(False)
        self.min_size = min_size

    def train(self, mode: bool = True):
        return super().train(False)

    @torch.no_grad()
    def forward(self, a: Tensor, b: Tensor) -> Tensor:
        if a.shape != b.shape:
            raise ValueError(f'LPIPS compares equal shapes, got '
                             f'{tuple(a.shape)} and {tuple(b.shape)}')
        if a.shape[1] == 1:
            a, b = a.expand(-1, 3, -1, -1), b.expand(-1, 3, -1, -1)
        if min(a.shape[-2:]) < self.min_size:
            scale = self.min_size / min(a.shape[-2:])
            a, b = (F.interpolate(t, scale_factor=scale, mode='bilinear',
                                  align_corners=False) for t in (a, b))
        return self.model(a * 2 - 1, b * 2 - 1).flatten()


def build_lpips(net: str = 'alex',
                backbone_checkpoint: Optional[str] = None,
                version: str = '0.1',
                min_size: int = 64) -> LPIPSDistance:
    """LPIPS with the backbone from ``backbone_checkpoint`` (a torchvision
    state dict of ``alexnet`` / ``vgg16``: ``features.<i>.*`` keys)."""
    try:
        import lpips
    except ImportError as e:
        raise ImportError('LPIPS evaluation needs the lpips package: '
                          'bash tools/install.sh --extras') from e
    if not backbone_checkpoint:
        raise ValueError(_missing(net, 'no backbone_checkpoint given'))
    if not osp.isfile(backbone_checkpoint):
        raise FileNotFoundError(
            _missing(net, f'{backbone_checkpoint!r} does not exist'))
    model = lpips.LPIPS(net=net, version=version, pretrained=True,
                        pnet_rand=True, verbose=False)
    state = torch.load(backbone_checkpoint, map_location='cpu',
                       weights_only=True)
    state = state.get('state_dict', state)
    # lpips splits torchvision's `features` into slices and keeps each
    # layer's index: slice<s>.<i>.<param> <- features.<i>.<param>
    wanted = {}
    for name in model.net.state_dict():
        _, index, param = name.split('.')
        wanted[name] = f'features.{index}.{param}'
    missing = [src for src in wanted.values() if src not in state]
    if missing:
        raise ValueError(
            f'{backbone_checkpoint} is not a torchvision {net} state dict: '
            f'missing {missing[:4]}{" ..." if len(missing) > 4 else ""}')
    model.net.load_state_dict({k: state[v] for k, v in wanted.items()})
    return LPIPSDistance(model, min_size)
