from .algorithms import *  # noqa: F401,F403
from .backbones import *  # noqa: F401,F403
from .data_preprocessors import *  # noqa: F401,F403
from .heads import *  # noqa: F401,F403
from .masking import *  # noqa: F401,F403
from .necks import *  # noqa: F401,F403
from .targets import *  # noqa: F401,F403
from .tokenizers import *  # noqa: F401,F403
