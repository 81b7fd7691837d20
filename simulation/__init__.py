"""syslead: an agent-based model of how system leadership spreads through a local health and care system."""

__version__ = "0.1.0"

from .config import ConfigError, Params, make_params
from .model import LeadershipModel

__all__ = ["ConfigError", "LeadershipModel", "Params", "__version__", "make_params"]
