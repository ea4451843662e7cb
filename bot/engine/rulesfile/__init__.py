"""The rules file, `.github/mockguard.yml`, in five parts:

- `schema.py`: what the file may say and what it means (pydantic models; per-category keys are
  derived from `bot.engine.model.CATEGORIES`). Change this to change what is valid.
- `defaults.py`: the default values and the answers every set of rules gives (`ConfigAnswers`), so
  a repository without a rules file is judged without loading pydantic at all.
- `loader.py`: YAML text -> `Config`, placing every problem at its line and column.
- `errors.py`: how problems are worded (`Problem`, `ConfigError`, did-you-mean, expected shapes).
- `history.py`: which rules judge a change when the base branch's copy does not load.

The names below are imported from their module on first use (PEP 562): `mockguard check` on a
repository without a rules file never imports pydantic or the schema.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # (`X as X`: re-exported, for the type checker)
    from .defaults import BUILTIN as BUILTIN
    from .defaults import ENVIRONMENT_TOLERATIONS as ENVIRONMENT_TOLERATIONS
    from .defaults import ConfigAnswers as ConfigAnswers
    from .defaults import DefaultConfig as DefaultConfig
    from .defaults import chosen_templates as chosen_templates
    from .defaults import default_config as default_config
    from .defaults import is_default_integration_path as is_default_integration_path
    from .errors import RULES_FILE as RULES_FILE
    from .errors import ConfigError as ConfigError
    from .errors import Problem as Problem
    from .history import RulesChoice as RulesChoice
    from .history import RulesVersion as RulesVersion
    from .history import choose_rules as choose_rules
    from .loader import load_config as load_config
    from .loader import starter_text as starter_text
    from .schema import Config as Config
    from .schema import Toleration as Toleration

_HOMES = {
    "BUILTIN": "defaults",
    "ENVIRONMENT_TOLERATIONS": "defaults",
    "ConfigAnswers": "defaults",
    "DefaultConfig": "defaults",
    "default_config": "defaults",
    "is_default_integration_path": "defaults",
    "RULES_FILE": "errors",
    "ConfigError": "errors",
    "Problem": "errors",
    "RulesChoice": "history",
    "RulesVersion": "history",
    "choose_rules": "history",
    "chosen_templates": "defaults",
    "load_config": "loader",
    "starter_text": "loader",
    "Config": "schema",
    "Toleration": "schema",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value  # the next lookup is a plain one
    return value
