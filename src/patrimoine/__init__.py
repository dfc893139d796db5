"""patrimoine: the data platform of a ministry. `p = patrimoine.open(home)` is where everything starts."""

from patrimoine.errors import ConfigError, Conflict, Forbidden, InputError, NotFound, PatrimoineError
from patrimoine.platform import Platform
from patrimoine.platform import open_platform as open

__all__ = [
    "ConfigError",
    "Conflict",
    "Forbidden",
    "InputError",
    "NotFound",
    "PatrimoineError",
    "Platform",
    "open",
]
__version__ = "0.1.0"
