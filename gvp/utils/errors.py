"""Errors that carry a one-line message naming the file or value and the
fix; ``tools/train.py`` / ``test.py`` print them without a traceback."""


class GVPError(RuntimeError):
    """Base of the toolbox's user-facing errors."""


class ResumeError(GVPError):
    """``--resume`` found nothing to resume from, or was told something
    contradictory."""


class NonFiniteError(GVPError):
    """Training produced a non-finite loss, gradient norm or weight."""


class DataError(GVPError):
    """The data does not fit the config or the model."""


class FitError(GVPError, ValueError):
    """A file's tensors do not fit the model they are loaded into."""


class MissingDependency(GVPError, ImportError):
    """A package a tool needs is not installed."""
