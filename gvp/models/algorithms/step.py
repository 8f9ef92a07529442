"""One step's images in the forms inputs and targets read, each made once."""
from typing import Optional

import torch
from torch import Tensor

#: the forms of a step a backbone's input embedding may read
FORMS = ('images', 'ids')


class StepInputs:
    """What one step's data is, in every form a part of the model reads:
    the normalised images, the same images in ``[0, 1]`` (the tokenizer's
    and ``y_extra``'s input) and the frozen tokenizer's ids. Each derived
    form is made at most once, whoever asks (the d2d input and the id
    target share one tokenizer run).

    Args:
        images (Tensor, optional): ``[B, C, H, W]`` as the data
            preprocessor gives (``(x - mean) / std`` of 0..255 pixels).
        mean, std (Tensor, optional): that normalisation, ``[1, C, 1, 1]``
            (0..255 scale); without them the images are taken as 0..255.
        tokenizer (module, optional): a frozen ``VQGANTokenizer``.
        ids (Tensor, optional): ``[B, h, w]`` ids made elsewhere (the
            offline token cache); the tokenizer then does not run.
    """

    def __init__(self,
                 images: Optional[Tensor] = None,
                 mean: Optional[Tensor] = None,
                 std: Optional[Tensor] = None,
                 tokenizer=None,
                 ids: Optional[Tensor] = None):
        self.images = images
        self.mean, self.std = mean, std
        self.tokenizer = tokenizer
        self._ids = ids
        self._unit: Optional[Tensor] = None

    def to_unit_range(self, images: Tensor) -> Tensor:
        """Undo the normalisation of ``images [B, C, H, W]`` -> ``[0, 1]``."""
        if self.mean is None or self.std is None:
            return (images / 255.).clamp(0, 1)
        return ((images * self.std.to(images) + self.mean.to(images)) /
                255.).clamp(0, 1)

    def replaced(self, images: Optional[Tensor] = None,
                 ids: Optional[Tensor] = None) -> 'StepInputs':
        """The same normalisation and tokenizer over other images or ids
        (a generation step's current state)."""
        return StepInputs(images, self.mean, self.std, self.tokenizer, ids)

    def form(self, name: str) -> Tensor:
        """The form ``name`` (one of :data:`FORMS`) a backbone reads."""
        if name == 'ids':
            return self.ids
        if self.images is None:
            raise ValueError(
                'this backbone reads pixels but the batch holds ids only '
                '(TokenIdsPreprocessor): that pipeline is for d2d '
                "(input_embed=dict(type='IdEmbedding')); p2p/p2d need the "
                'images (LoadImageOrSkip ... PackInputs)')
        return self.images

    @property
    def unit_images(self) -> Tensor:
        """``[B, C, H, W]`` in ``[0, 1]``."""
        if self._unit is None:
            self._unit = self.to_unit_range(self.form('images'))
        return self._unit

    @property
    def ids(self) -> Tensor:
        """Tokenizer ids ``[B, H / f, W / f]`` (computed once)."""
        if self._ids is None:
            if self.tokenizer is None:
                raise ValueError(
                    'this model reads tokenizer ids (an IdEmbedding input or '
                    'a TokenIdTarget) but has no tokenizer: give '
                    'model.tokenizer=dict(type="VQGANTokenizer", '
                    'checkpoint=...)')
            self._ids = self.tokenizer.encode_ids(self.unit_images)
        return self._ids


def cached_ids(data_samples, device) -> Optional[Tensor]:
    """``[B, h, w]`` ids the offline token cache put on the data samples
    (``token_ids``; :mod:`gvp.datasets.token_cache`), or ``None``."""
    if not data_samples or 'token_ids' not in data_samples[0]:
        return None
    return torch.stack([torch.as_tensor(s.token_ids)
                        for s in data_samples]).to(device)


def as_step(x, reads: str, mean: Optional[Tensor] = None,
            std: Optional[Tensor] = None) -> StepInputs:
    """``x`` as a step: a :class:`StepInputs` as it is; a bare tensor (a
    backbone called outside the algorithm: probing, fine-tuning, mmpretrain)
    as the form the backbone ``reads`` -- ids, or images normalised by
    ``mean`` / ``std`` (the input embedding checks it is that)."""
    if isinstance(x, StepInputs):
        return x
    if reads == 'ids':
        return StepInputs(ids=x)
    return StepInputs(images=x, mean=mean, std=std)
