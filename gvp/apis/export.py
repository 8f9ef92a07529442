"""``torch.export`` and ONNX of the inference roles (fine-tune, probe).

Both roles trace with a dynamic batch: the fine-tune role is a plain ViT,
and the probe role's causal mask comes from one seeded plan through a
layout with no data-dependent shapes (:func:`~gvp.models.backbones.
token_layout.dense_layout`). The program takes normalised images
``[B, C, H, W]`` and returns the backbone's outputs (a tuple, one per
``out_indices``); the ONNX file is that program translated by
``torch.onnx.export(dynamo=True)``, with the same dynamic batch.
"""
import torch

MAX_BATCH = 1024


def export_backbone(backbone, img_size: int, in_channels: int = 3,
                    max_batch: int = MAX_BATCH):
    """The ``torch.export.ExportedProgram`` of ``backbone`` (eval mode;
    batch 1 … ``max_batch``). Refused for a backbone that reads token ids
    (d2d): its input is a tokenizer's output, not images."""
    if getattr(backbone, 'reads', 'images') == 'ids':
        raise ValueError(f'{type(backbone).__name__} reads token ids (a d2d '
                         'model): export the tokenizer and the backbone '
                         'apart, or a pixel-input role')
    backbone.eval()
    example = torch.randn(2, in_channels, img_size, img_size,
                          generator=torch.Generator().manual_seed(0))
    batch = torch.export.Dim('batch', min=1, max=max_batch)
    with torch.no_grad():
        backbone(example)  # the probe's seeded plan, drawn eagerly, kept
        return torch.export.export(backbone, (example, ),
                                   dynamic_shapes=({0: batch}, ))


def export_onnx(program, path: str, max_batch: int = MAX_BATCH) -> None:
    """Write ``program`` (:func:`export_backbone`) as ONNX to ``path``, the
    batch dynamic. Needs ``onnx`` and ``onnxscript`` (the extras)."""
    require_onnx()
    example = program.example_inputs[0]
    batch = torch.export.Dim('batch', min=1, max=max_batch)
    torch.onnx.export(program, example, path, dynamo=True, verbose=False,
                      dynamic_shapes=({0: batch}, ))


def onnx_outputs(path: str, images: torch.Tensor) -> list:
    """The ONNX file's outputs on ``images`` (onnxruntime, CPU)."""
    require_onnx()
    import onnxruntime as ort
    session = ort.InferenceSession(path, providers=['CPUExecutionProvider'])
    feed = {session.get_inputs()[0].name: images.numpy()}
    return [torch.from_numpy(o) for o in session.run(None, feed)]


def exported_difference(program, backbone, images: torch.Tensor) -> float:
    """max |exported - eager| over every output on ``images``; ``program``
    an ``ExportedProgram`` or the path of an ONNX file."""
    with torch.no_grad():
        eager = backbone(images)
        exported = onnx_outputs(program, images) if isinstance(
            program, str) else program.module()(images)
    return max((a - b).abs().max().item() for a, b in zip(eager, exported))


def require_onnx() -> None:
    """Refuse, naming the fix, where the ONNX packages are missing."""
    from gvp.utils.dependencies import require
    require('ONNX export', 'onnx', 'onnxscript', 'onnxruntime')
