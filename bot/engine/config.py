"""Moved to `bot.engine.rulesfile` (schema, loader, errors). Kept for the transition only: import
from `bot.engine.rulesfile`."""

from .rulesfile import *  # noqa: F403
from .rulesfile import __all__  # noqa: F401
