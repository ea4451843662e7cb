"""The rules file, `.github/mockguard.yml`, in three parts:

- `schema.py`: what the file may say and what it means (pydantic models; per-category keys are
  derived from `bot.engine.model.CATEGORIES`). Change this to change what is valid.
- `loader.py`: YAML text -> `Config`, placing every problem at its line and column.
- `errors.py`: how problems are worded (`Problem`, `ConfigError`, did-you-mean, expected shapes).
- `history.py`: which rules judge a change when the base branch's copy does not load.
"""

from .errors import RULES_FILE, ConfigError, Problem
from .history import RulesChoice, RulesVersion, choose_rules
from .loader import chosen_templates, load_config, starter_text
from .schema import (
    BUILTIN,
    ENVIRONMENT_TOLERATIONS,
    Config,
    Toleration,
    default_config,
    is_default_integration_path,
)

__all__ = [
    "BUILTIN",
    "ENVIRONMENT_TOLERATIONS",
    "RULES_FILE",
    "Config",
    "ConfigError",
    "chosen_templates",
    "Problem",
    "RulesChoice",
    "RulesVersion",
    "choose_rules",
    "Toleration",
    "default_config",
    "is_default_integration_path",
    "load_config",
    "starter_text",
]
