"""One image tensor from what mmpretrain's data preprocessors return."""
from typing import List, Union

from torch import Tensor


def first_view(inputs: Union[Tensor, List[Tensor]]) -> Tensor:
    """``[B, C, H, W]``: ``SelfSupDataPreprocessor`` returns a list of views
    for multi-view pipelines; GVP, the tokenizer and the tools use the
    first (the only one in their pipelines)."""
    return inputs[0] if isinstance(inputs, (list, tuple)) else inputs


def preprocess_images(preprocessor, batch: dict) -> Tensor:
    """Collated ``batch`` -> normalised ``[B, C, H, W]`` (test-time: no
    batch augmentation)."""
    return first_view(preprocessor(batch, False)['inputs'])
