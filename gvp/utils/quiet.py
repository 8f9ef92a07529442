"""Loading a model for features or inference says one line, not mmengine's
per-parameter ``init_weights`` report (about 150 lines a ViT-Tiny) and its
"Loads checkpoint by ..." chatter. Training keeps mmengine's logs as they
are: the runner writes them to its log file, where they belong."""
import logging
from contextlib import contextmanager

from mmengine.logging import MMLogger, print_log


@contextmanager
def quiet_mmengine(level: int = logging.WARNING):
    """Within the block, mmengine's current logger drops records below
    ``level``; warnings (what did not fit) still come through."""
    logger = MMLogger.get_current_instance()
    before = logger.level
    logger.setLevel(level)
    try:
        yield
    finally:
        logger.setLevel(before)


def say_loaded(what: str, module, source) -> None:
    """The one line: ``what`` (a class or role) and where its weights came
    from (``source``: a path, or ``None`` for the initial weights)."""
    tensors = len(module.state_dict())
    where = f'weights from {source}' if source else \
        'initial weights (no checkpoint given)'
    print_log(f'{what}: {type(module).__name__}, {tensors} tensors, {where}',
              logger='current')


class _NoParamwiseLines(logging.Filter):
    """Drops mmengine's ``paramwise_options -- <param>:<key>=<value>``
    records (a line per parameter and option: half a ViT-Tiny demo log)."""

    def filter(self, record) -> bool:
        return not str(record.msg).startswith('paramwise_options -- ')


def quiet_paramwise(logger, log_level: str = 'INFO') -> None:
    """``logger`` (a runner's) logs ``paramwise_cfg`` once, not per
    parameter, unless the run's ``log_level`` is DEBUG (which lists
    them)."""
    if str(log_level).upper() == 'DEBUG':
        return
    logger.addFilter(_NoParamwiseLines())
    print_log('optimizer: paramwise_cfg applied per parameter as configured '
              "(log_level='DEBUG' lists each parameter's options)",
              logger=logger)
