"""The packages a tool needs, checked before it computes anything.

A tool that fails on a missing package after minutes of feature
extraction has lost those minutes; :func:`require` imports them first and
says in one line what to install.
"""
import importlib

from .errors import MissingDependency

#: import name -> (package, the install command that brings it)
KNOWN = {
    'sklearn': ('scikit-learn', 'bash tools/install.sh'),
    'safetensors': ('safetensors', 'bash tools/install.sh'),
    'pytorch_grad_cam': ('grad-cam', 'bash tools/install.sh --extras'),
    'lpips': ('lpips', 'bash tools/install.sh --extras'),
    'tensorboard': ('tensorboard', 'bash tools/install.sh --extras'),
    'wandb': ('wandb', 'pip install wandb'),
    'onnx': ('onnx', 'bash tools/install.sh --extras'),
    'onnxscript': ('onnxscript', 'bash tools/install.sh --extras'),
    'onnxruntime': ('onnxruntime', 'bash tools/install.sh --extras'),
}


def require(tool: str, *modules: str) -> None:
    """Import ``modules``; the first that fails is refused in one line
    naming ``tool``, the package and the command that installs it."""
    for module in modules:
        try:
            importlib.import_module(module)
        except ImportError as e:
            package, fix = KNOWN.get(module, (module, 'pip install ' + module))
            raise MissingDependency(
                f'{tool} needs {package}, which does not import here '
                f'({type(e).__name__}: {e}); install it: {fix}') from e
