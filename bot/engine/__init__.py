"""The analysis engine: a change in, findings out. Pure; no git, GitHub or HTTP in here.

Public face:
- `analyse(changes, config)` -> `Report`
- `load_config(text, source)` / `default_config()` -> `Config` (raises `ConfigError`)
- `lines_from_patch(patch)`, `lines_from_texts(base, head)` to build `FileChange.added_lines`
- `RULES`: every rule's documentation, by id
"""

from .diff import lines_from_patch, lines_from_texts
from .model import CATEGORIES, FileChange, Finding, Notice, Report, RuleDoc, Severity, Site

__all__ = [
    "CATEGORIES",
    "FileChange",
    "Finding",
    "Notice",
    "Report",
    "RuleDoc",
    "Severity",
    "Site",
    "lines_from_patch",
    "lines_from_texts",
]
