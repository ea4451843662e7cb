"""The rules of a repository without a rules file, and what every set of rules answers.

Most repositories have no `.github/mockguard.yml`, and most runs judge with the defaults: this
module answers them without pydantic (whose import and schema building cost about 0.1 s, more than
a one-file check spends on anything else), and `schema.py` validates a file with the very same
defaults and answers:

- the default values are the constants below; `schema.py`'s fields take their defaults from them;
- `ConfigAnswers` (is this file an integration test, which severity, which template, which
  tolerations) is one implementation, inherited by the validated `Config` and by `DefaultConfig`;
- `TolerationTerms` (does a toleration cover a finding, how it is described) likewise, for the
  tolerations of a file and the built-in environment ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from fnmatch import fnmatchcase
from functools import lru_cache
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, Literal

from ..model import CATEGORIES
from ..rules import RULES
from ..templates import Template, TemplateError, template_from_text
from . import errors
from .errors import RULES_FILE, ConfigError, Problem

if TYPE_CHECKING:
    from wcmatch import glob as wcglob

BUILTIN = "builtin"
VERSION = 1
DEFAULT_SEVERITY: Literal["error"] = "error"  # every category's, when the file does not say
DEFAULT_FAIL_ON: Literal["error"] = "error"
DEFAULT_TOLERATE_ENVIRONMENT = True

# Folder names that mark integration and end-to-end tests (the default file rule).
INTEGRATION_DIR_NAMES = ("integration", "integration_tests", "e2e")
UNIT_DIR_NAME = "unit"
_WORD_SEPARATORS = str.maketrans({"-": "_", ".": "_"})

RULE_IDS: tuple[str, ...] = tuple(RULES)


def field_name(category: str) -> str:
    return category.replace("-", "_")  # `internal-service` is a key in the file, not a Python name


# The fields of `severity:` (one per category, one per rule id) and of `templates:` (one per category).
SEVERITY_FIELDS = frozenset([*(field_name(c) for c in CATEGORIES), *RULE_IDS])
TEMPLATE_FIELDS = frozenset(field_name(c) for c in CATEGORIES)


def clean_glob(pattern: str) -> str:
    pattern = pattern.strip()
    while pattern.startswith("./"):
        pattern = pattern[2:]
    pattern = pattern.lstrip("/")  # repository paths are relative; "/tests/**" means the same
    if pattern.endswith("/"):
        pattern += "**"  # a directory covers everything below it
    return pattern


def is_default_integration_path(path: str) -> bool:
    """The default file rule (see schema.py's docstring); `path` is a repository path."""
    return _is_integration_folder(path.rpartition("/")[0])


@lru_cache(maxsize=4096)  # (asked of every file of a change, several times: a change has few folders)
def _is_integration_folder(folder: str) -> bool:
    names = [d.lower() for d in folder.split("/")] if folder else []
    if UNIT_DIR_NAME in names:
        return False
    return any(_is_integration_dir(name) for name in names)


def _is_integration_dir(name: str) -> bool:
    if any(name.startswith(n) or name.endswith(n) for n in INTEGRATION_DIR_NAMES):
        return True
    words = name.translate(_WORD_SEPARATORS).split("_")
    return any(word in INTEGRATION_DIR_NAMES for word in words)


def _fnmatch_any(value: str, patterns: Iterable[str]) -> bool:
    # Case-sensitive: dotted paths and construct names are Python names.
    return any(fnmatchcase(value, pattern) for pattern in patterns)


class TolerationTerms:
    """What a toleration answers, from its terms (`target`, `category`, `constructs`, `paths`,
    `origin`, `reason`, `owner`, `expires`) and its compiled `_paths`."""

    if TYPE_CHECKING:
        target: tuple[str, ...] | None
        category: tuple[str, ...] | None
        constructs: tuple[str, ...] | None
        paths: tuple[str, ...] | None
        origin: tuple[str, ...] | None
        reason: str
        owner: str | None
        expires: date | None
        _line: int | None
        _paths: wcglob.WcMatcher[str] | None

    @property
    def line(self) -> int | None:
        """The line of this entry in the rules file, when it came from one."""
        return self._line

    def describe(self) -> str:
        parts = []
        for key, value in (
            ("target", self.target),
            ("category", self.category),
            ("construct", self.constructs),
            ("paths", self.paths),
            ("origin", self.origin),
        ):
            if value is not None:
                parts.append(f"{key} {', '.join(value)}")
        return "; ".join(parts)

    def reason_text(self) -> str:
        return f"{self.reason} (owner: {self.owner})" if self.owner else self.reason

    def matches(self, *, path: str, construct: str, target: str | None, category: str, origin: str | None = None) -> bool:
        if self.category is not None and category not in self.category:
            return False
        if self.origin is not None and origin not in self.origin:
            return False
        if self.constructs is not None and not _fnmatch_any(construct, self.constructs):
            return False
        if self.target is not None and (target is None or not _fnmatch_any(target, self.target)):
            return False
        if self._paths is not None and not self._paths.match(clean_glob(path)):
            return False
        return True


@dataclass(frozen=True)
class BuiltinToleration(TolerationTerms):
    """A toleration mockguard brings itself (never written in a file, so no paths and no line)."""

    reason: str
    target: tuple[str, ...] | None = None
    category: tuple[str, ...] | None = None
    constructs: tuple[str, ...] | None = None
    paths: None = None
    origin: tuple[str, ...] | None = None
    owner: None = None
    expires: None = None
    _line: None = None
    _paths: None = None


ENVIRONMENT_REASON = (
    "environment variables are the process's configuration, not a mocked component "
    "(tolerated by default; set `tolerate_environment: false` to report them)"
)

# Built in: setting environment variables in a test configures the code under test, it does not fake it.
ENVIRONMENT_TOLERATIONS: tuple[BuiltinToleration, ...] = (
    BuiltinToleration(constructs=("monkeypatch.setenv", "monkeypatch.delenv"), reason=ENVIRONMENT_REASON),
    BuiltinToleration(
        constructs=("patch.dict", "mocker.patch.dict"),
        target=("os.environ", "environ"),
        reason=ENVIRONMENT_REASON,
    ),
    # Every other form (the engine names the environment "os.environ" however it was imported):
    # patch("os.environ", {...}), monkeypatch.setitem(os.environ, ...), patch.object(os, "environ", ...).
    BuiltinToleration(target=("os.environ", "os.environ[[]*"), reason=ENVIRONMENT_REASON),
)


class ConfigAnswers:
    """What the engine asks of the rules, answered from the settings (`files`, `severity`,
    `templates`, `tolerate`, `tolerate_environment`) and what the loader recorded."""

    if TYPE_CHECKING:
        version: int
        files: Any  # `include`, `exclude` and their compiled `_included`, `_excluded`
        severity: Any  # one attribute per field of SEVERITY_FIELDS
        templates: Any  # one attribute per field of TEMPLATE_FIELDS
        fail_on: str
        tolerate_environment: bool
        tolerate: tuple[Any, ...]
        suggest: Mapping[Any, Any]
        _source: str
        _template_at: dict[str, tuple[int, int]]
        _template_texts: dict[str, str]

    @property
    def source(self) -> str:
        """The rules file this came from (the default path when built from defaults)."""
        return self._source

    def is_integration_test(self, path: str) -> bool:
        path = clean_glob(path.replace("\\", "/"))
        if not path.endswith(".py"):
            return False
        if self.files._excluded is not None and self.files._excluded.match(path):
            return False
        if self.files._included is not None:
            return bool(self.files._included.match(path))
        return is_default_integration_path(path)

    def rule_severity(self, rule: str) -> str | None:
        """The severity the file gives this rule id itself, if it does."""
        return getattr(self.severity, rule, None) if rule in RULE_IDS else None

    def severity_for(self, category: str) -> str:
        field = field_name(category)
        if field not in SEVERITY_FIELDS:
            field = "generic"  # an unknown category is judged like a generic mock
        severity: str = getattr(self.severity, field)
        return severity

    def template_for(self, category: str) -> str | None:
        """None for the built-in template, else the repository path of the team's template file."""
        field = field_name(category)
        if field not in TEMPLATE_FIELDS:
            field = "generic"
        choice = getattr(self.templates, field)
        return None if choice == BUILTIN else choice

    def template_files(self) -> tuple[str, ...]:
        """The repository files the templates name, for a caller that must fetch them."""
        return tuple(sorted({p for c in CATEGORIES if (p := self.template_for(c)) is not None}))

    def template_texts(self) -> Mapping[str, str]:
        """The team's template files (path -> text) the loader read and checked; empty when it was
        given no way to read them."""
        return dict(self._template_texts)

    def template_position(self, category: str) -> tuple[int, int] | None:
        """(line, column) of `templates.<category>` in the rules file, when it is written there."""
        return self._template_at.get(category)

    def tolerations(self) -> tuple[TolerationTerms, ...]:
        """The user's tolerations followed by the built-in ones in effect."""
        builtin = ENVIRONMENT_TOLERATIONS if self.tolerate_environment else ()
        return (*self.tolerate, *builtin)


class DefaultConfig(ConfigAnswers):
    """The rules of a repository without a rules file: `schema.Config()`'s answers, without pydantic."""

    def __init__(self) -> None:
        self.version = VERSION
        self.files = SimpleNamespace(include=None, exclude=(), _included=None, _excluded=None)
        self.severity = SimpleNamespace(**{field_name(c): DEFAULT_SEVERITY for c in CATEGORIES}, **dict.fromkeys(RULE_IDS))
        self.fail_on = DEFAULT_FAIL_ON
        self.templates = SimpleNamespace(**{field_name(c): BUILTIN for c in CATEGORIES})
        self.tolerate_environment = DEFAULT_TOLERATE_ENVIRONMENT
        self.tolerate = ()
        self.suggest: dict[str, Any] = {}
        self._source = RULES_FILE
        self._template_at = {}
        self._template_texts = {}
        self._gated: dict[str, bool] = {}

    def is_integration_test(self, path: str) -> bool:
        # (the defaults never change: each path is judged once, though a big change asks several times)
        gated = self._gated.get(path)
        if gated is None:
            gated = self._gated[path] = super().is_integration_test(path)
        return gated

    def model_dump(self, **options: Any) -> dict[str, Any]:
        """As the validated model of an empty rules file dumps (builds it: pydantic is loaded)."""
        from .schema import Config

        return Config().model_dump(**options)


def chosen_templates(config: ConfigAnswers, template_files: Mapping[str, str] | None = None) -> dict[str, Template]:
    """The team's template of each category whose rules file names one; a category left out gets
    its built-in template (`builtin_template`, read when a finding first asks for it).

    `template_files` (path -> text) defaults to what the loader read. A named file that is absent
    or does not parse raises `ConfigError` at its `templates:` line: a team that chose its own
    template must never be shown the built-in one without being told.
    """
    texts = config.template_texts() if template_files is None else template_files
    chosen: dict[str, Template] = {}
    problems: list[Problem] = []
    for category in CATEGORIES:
        path = config.template_for(category)
        if path is None:
            continue
        from .schema import Config  # a template named by a rules file: the schema is loaded already

        line, column = config.template_position(category) or (None, None)
        expected = errors.field_description(Config, ("templates", category))
        text = texts.get(path)
        if text is None:
            problems.append(Problem(errors.missing_template(category, path), config.source, line, column, expected))
            continue
        try:
            chosen[category] = template_from_text(category, text, path)
        except TemplateError as error:
            problems.append(Problem(errors.broken_template(category, path, error.reason), config.source, line,
                                    column, "a template file that parses as a Python module"))
    if problems:
        raise ConfigError(problems=problems)
    return chosen


def default_config() -> DefaultConfig:
    """The embedded defaults: the rules for a repository without a rules file."""
    return DefaultConfig()
