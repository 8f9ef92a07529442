"""The data preprocessor of a d2d run on the offline token cache: the batch
is ids, no image was decoded (docs/benchmark.md, token cache)."""
from typing import Optional

import torch
from mmengine.model import BaseDataPreprocessor

from gvp.registry import MODELS


@MODELS.register_module()
class TokenIdsPreprocessor(BaseDataPreprocessor):
    """Stacks the packed ids of a batch (``PackInputs(input_key=
    'token_ids')`` after ``LoadCachedView``: ``[1, h, w]`` or ``[h, w]``
    each) into ``inputs [B, h, w]`` (int64) on the model's device; it
    says so (``gives = 'ids'``), and the algorithm's step holds them as ids
    (:meth:`GVP.step_inputs`)."""
    #: what ``inputs`` is: the algorithm reads it as ids, not images
    gives = 'ids'

    def forward(self, data: dict, training: bool = False) -> dict:
        data = self.cast_data(data)
        ids = data['inputs']
        if isinstance(ids, (list, tuple)):
            ids = torch.stack([i.reshape(i.shape[-2:]) for i in ids])
        ids = ids.reshape(ids.shape[0], *ids.shape[-2:])  # [B, 1, h, w]
        if ids.is_floating_point():
            raise TypeError(
                'TokenIdsPreprocessor got images, not ids: its pipeline must '
                "end in LoadCachedView + PackInputs(input_key='token_ids')")
        return dict(inputs=ids.long(),
                    data_samples=data.get('data_samples', None))

    def extra_repr(self) -> Optional[str]:
        return 'ids [B, h, w] from the token cache'
