"""The benchmark's variants: one table of records, each saying which model
it builds and how; ``torch.compile`` is a flag of a run, not a variant."""
from typing import NamedTuple, Optional

MODELS_DIR = 'configs/_base_/models/'
DEMO_DIR = 'configs/gvp/'
#: model sizes: ``base`` (ViT-B/16, MAGE's VQGAN f16, mmpretrain's MAE) and
#: ``demo`` (the Fashion-MNIST ViT-Tiny/4 at 28 px, the small f4 tokenizer,
#: the study's MAE)
SIZES = {
    'base': dict(
        arch='b', patch_size=16, img_size=224, batch_size=8,
        p2p=MODELS_DIR + 'gvp-p2p_vit-base-p16.py',
        p2d=MODELS_DIR + 'gvp-p2d_vit-base-p16.py',
        d2d=MODELS_DIR + 'gvp-d2d_vit-base-p16.py',
        mae=None),  # mmpretrain's own mae_vit-base-p16
    'demo': dict(
        arch='tiny', patch_size=4, img_size=28, batch_size=64,
        p2p=DEMO_DIR + 'gvp-p2p_vit-tiny-p4_1xb64-600i_fashion-mnist.py',
        p2d=DEMO_DIR + 'gvp-p2d_vit-tiny-p4_1xb64-600i_fashion-mnist.py',
        d2d=DEMO_DIR + 'gvp-d2d_vit-tiny-p4_1xb64-600i_fashion-mnist.py',
        mae=MODELS_DIR + 'mae_vit-tiny-p4.py'),
}


class Variant(NamedTuple):
    """One row: ``model`` is ``'vit'`` (plain ViT step), a GVP config key
    of :data:`SIZES` (``'p2p'``, ``'p2d'``, ``'d2d'``), ``'vqgan'`` (the
    tokenizer's encode alone) or ``'mae'``."""
    name: str
    label: str
    model: str
    prune: bool = True
    prune_last_block: bool = True
    cached: bool = False  # ids from the offline token cache
    compilable: bool = False  # timed under torch.compile with --compile


VARIANTS = [
    Variant('vit', 'plain ViT (all tokens, pixel head)', 'vit',
            compilable=True),
    Variant('gvp', 'GVP-p2p, pruned (docs/design.md §3)', 'p2p',
            compilable=True),
    Variant('gvp-full-last', 'GVP-p2p, pruned, without the last-block skip',
            'p2p', prune_last_block=False),
    Variant('gvp-unpruned', 'GVP-p2p, two streams on all tokens', 'p2p',
            prune=False),
    Variant('gvp-p2d', 'GVP-p2d, pruned, + frozen VQGAN targets (online)',
            'p2d'),
    Variant('gvp-d2d', 'GVP-d2d, pruned, VQGAN ids in and out (online)',
            'd2d'),
    Variant('gvp-p2d-cached', 'GVP-p2d, ids from the offline token cache',
            'p2d', cached=True),
    Variant('gvp-d2d-cached', 'GVP-d2d, ids from the offline token cache',
            'd2d', cached=True),
    Variant('vqgan', 'frozen VQGAN encode alone (the p2d/d2d extra)',
            'vqgan'),
    Variant('mae', "mmpretrain MAE (75 % masked)", 'mae'),
]
BY_NAME = {v.name: v for v in VARIANTS}


class Run(NamedTuple):
    """A variant as timed: eager, or under ``torch.compile``."""
    variant: Variant
    compiled: bool = False

    @property
    def name(self) -> str:
        return self.variant.name + ('+compile' if self.compiled else '')

    @property
    def label(self) -> str:
        return self.variant.label + (', torch.compile' if self.compiled
                                     else '')


def runs(names, compile_too: bool) -> list:
    """The runs of ``names`` (each once), plus their compiled twins."""
    out = [Run(BY_NAME[n]) for n in dict.fromkeys(names)]
    return out + [Run(r.variant, True) for r in out
                  if compile_too and r.variant.compilable]


def find(name: str) -> Optional[Run]:
    base, _, flag = name.partition('+')
    return Run(BY_NAME[base], flag == 'compile')
