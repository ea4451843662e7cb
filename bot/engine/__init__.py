"""The analysis engine: a change in, findings out. Pure; no git, GitHub or HTTP in here.

Public face (import from the modules; this package only re-exports the data model):
- `bot.engine.analyse.analyse(changes, config)` -> `Report`
- `bot.engine.rulesfile`: `load_config(text, source)`, `default_config()` -> `Config`; `ConfigError`;
  `RULES_FILE` (schema, loader and error wording in three modules)
- `bot.engine.diff`: `lines_from_patch(patch)`, `lines_from_texts(base, head)` for `FileChange`
- `bot.engine.rules.RULES`: every rule's documentation, by id
- `bot.engine.formats.render(report, fmt, ...)`: text, json, sarif, github
"""

from .diff import lines_from_patch, lines_from_texts
from .model import CATEGORIES, Category, FileChange, Finding, Notice, Report, RuleDoc, Site, Step

__all__ = [
    "CATEGORIES",
    "Category",
    "FileChange",
    "Finding",
    "Notice",
    "Report",
    "RuleDoc",
    "Site",
    "Step",
    "lines_from_patch",
    "lines_from_texts",
]
