"""One step's images in the forms inputs and targets read, each made once."""
from typing import Callable, Optional

from torch import Tensor


class StepInputs:
    """The normalised images of a step and what is derived from them on
    demand: the ``[0, 1]`` images and the frozen tokenizer's ids. The
    tokenizer runs at most once per step, whoever asks (the d2d input and
    the id target share its output).

    Args:
        images (Tensor): ``[B, C, H, W]`` as the data preprocessor gives.
        to_unit_range (callable): undoes the preprocessor -> ``[0, 1]``.
        tokenizer (module, optional): a frozen ``VQGANTokenizer``.
    """

    def __init__(self,
                 images: Tensor,
                 to_unit_range: Callable,
                 tokenizer=None):
        self.images = images
        self.tokenizer = tokenizer
        self._to_unit_range = to_unit_range
        self._unit: Optional[Tensor] = None
        self._ids: Optional[Tensor] = None

    def to_unit_range(self, images: Tensor) -> Tensor:
        """Undo the preprocessor on ``images`` -> ``[0, 1]``."""
        return self._to_unit_range(images)

    @property
    def unit_images(self) -> Tensor:
        """``[B, C, H, W]`` in ``[0, 1]``."""
        if self._unit is None:
            self._unit = self._to_unit_range(self.images)
        return self._unit

    def set_ids(self, ids: Tensor) -> None:
        """Ids made elsewhere (the offline token cache): the tokenizer is
        then not run."""
        self._ids = ids

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
