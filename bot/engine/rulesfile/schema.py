"""The rules file's schema: what `.github/mockguard.yml` may say, and what it means.

Validated by pydantic with `extra="forbid"` everywhere, never by hand-written key checks, so a
misspelt key is an error and never a silently ignored setting: a typo must not turn the gate off.
Each field's `description` is the expected shape that error messages quote (see `errors.py`).

Severities and templates have one key per category, derived from `bot.engine.model.CATEGORIES`:
adding a category to that one list adds its `severity:` and `templates:` keys here. `severity:`
also takes a rule id (`MG303: error`), which wins over the rule's category.

File selection (`Config.is_integration_test`):
- Without `files.include`, the default rule: a `.py` file counts when one of its DIRECTORY segments is
  `integration`, `integration_tests` or `e2e`, starts or ends with one of them (`e2e_debug`,
  `integration_helpers`) or has one as a `_`/`-`/`.`-separated word (`websocket_e2e_tests`); never when
  a directory segment is `unit`. conftest.py and helper modules in such folders count.
- `files.include` REPLACES that rule (the `unit` exception included); `files.exclude` always applies.
  Globs are matched with wcmatch against the whole repository path: `**` spans directories, `{a,b}`
  alternates, and a pattern ending in `/` covers everything below that directory.
- Only Python files are ever selected, whatever the globs say: the detectors read Python.

Tolerations are matched in `bot.engine.policy.apply_policy`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    create_model,
    field_validator,
    model_validator,
)
from wcmatch import glob as wcglob

from ..model import CATEGORIES, Category
from .defaults import (  # the default values and the answers, shared with the pydantic-free defaults
    BUILTIN,
    DEFAULT_FAIL_ON,
    DEFAULT_SEVERITY,
    DEFAULT_TOLERATE_ENVIRONMENT,
    ENVIRONMENT_REASON,
    ENVIRONMENT_TOLERATIONS,
    INTEGRATION_DIR_NAMES,
    RULE_IDS,
    UNIT_DIR_NAME,
    ConfigAnswers,
    TolerationTerms,
    default_config,
    is_default_integration_path,
)
from .defaults import clean_glob as _clean_glob
from .defaults import field_name as _field_name
from .errors import RULES_FILE

__all__ = [
    "BUILTIN", "ENVIRONMENT_REASON", "ENVIRONMENT_TOLERATIONS", "INTEGRATION_DIR_NAMES", "RULE_IDS", "UNIT_DIR_NAME",
    "Config", "Files", "Severities", "Suggestion", "Templates", "Toleration", "default_config", "is_default_integration_path",
]
_GLOB_FLAGS = wcglob.GLOBSTAR | wcglob.BRACE | wcglob.FORCEUNIX | wcglob.DOTGLOB

SeverityName = Literal["error", "warning", "notice", "off"]
GateName = Literal["error", "warning", "notice", "never"]
CategoryName = Category


# --- value helpers -------------------------------------------------------------------------------


def _one_or_many(value: Any) -> Any:
    """Let a single pattern stand for a one-item list (`target: app.ws.*`)."""
    return [value] if isinstance(value, str) else value


def _yaml_off(value: Any) -> Any:
    """YAML 1.1 reads a bare `off` as false; in a severity it can only mean "off"."""
    return "off" if value is False else value


def _check_globs(patterns: tuple[str, ...] | None) -> tuple[str, ...] | None:
    if patterns is None:
        return None
    cleaned = tuple(_clean_glob(p) for p in patterns)
    if any(not p for p in cleaned):
        raise ValueError("a glob must not be empty")
    return cleaned


def _compile_globs(patterns: Sequence[str]) -> wcglob.WcMatcher[str] | None:
    return wcglob.compile(list(patterns), flags=_GLOB_FLAGS) if patterns else None


Patterns = Annotated[tuple[str, ...], BeforeValidator(_one_or_many)]
Categories = Annotated[tuple[CategoryName, ...], BeforeValidator(_one_or_many)]
Origins = Annotated[tuple[Literal["own", "stdlib", "third-party"], ...], BeforeValidator(_one_or_many)]
SeverityValue = Annotated[SeverityName, BeforeValidator(_yaml_off)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


# --- the schema ----------------------------------------------------------------------------------


class Files(_Strict):
    include: tuple[str, ...] | None = Field(
        default=None,
        min_length=1,
        description="a list of globs, e.g. ['tests/it/**/*.py']; given, it replaces the default rule",
    )
    exclude: tuple[str, ...] = Field(
        default=(), description="a list of globs, e.g. ['tests/e2e/vendored/**']"
    )

    _included: wcglob.WcMatcher[str] | None = PrivateAttr(default=None)
    _excluded: wcglob.WcMatcher[str] | None = PrivateAttr(default=None)

    @field_validator("include", "exclude", mode="before")
    @classmethod
    def _single_glob(cls, value: Any, info: Any) -> Any:
        if value is None and info.field_name == "exclude":
            return ()  # `exclude:` with every entry commented out
        return _one_or_many(value)

    @field_validator("include", "exclude")
    @classmethod
    def _globs(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        return _check_globs(value)

    def model_post_init(self, context: Any) -> None:
        self._included = _compile_globs(self.include or ())
        self._excluded = _compile_globs(self.exclude)


def _per_category(name: str, doc: str, annotation: Any, default: str, description: str,
                  base: type[_Strict]) -> Any:
    """A model with one field per category, keyed in the file by the category's own name, so a
    misspelt category is an unknown key with a did-you-mean."""
    fields: dict[str, Any] = {
        _field_name(c): (annotation, Field(default, alias=c if _field_name(c) != c else None,
                                           description=description))
        for c in CATEGORIES
    }
    return create_model(name, __base__=base, __doc__=doc, __module__=__name__, **fields)


_SEVERITY_SHAPE = "one of error, warning, notice, off"
_TEMPLATE_SHAPE = "'builtin' or a repository path to a .py template, e.g. 'tests/templates/ws.py'"


def _template_choice(value: str) -> str:
    value = value.strip()
    if value == BUILTIN:
        return value
    path = PurePosixPath(_clean_glob(value))
    if not str(path).endswith(".py") or ".." in path.parts:
        raise ValueError("neither 'builtin' nor a .py file inside the repository")
    return str(path)


class _TemplateChoices(_Strict):
    @field_validator("*")
    @classmethod
    def _choice(cls, value: str) -> str:
        return _template_choice(value)


if TYPE_CHECKING:  # the type checker sees plain models; the fields below are made from CATEGORIES
    class Severities(_Strict): ...

    class Templates(_Strict): ...
else:
    Severities = _per_category(
        "Severities", "Severity per category; `off` drops that category's findings.",
        SeverityValue, DEFAULT_SEVERITY, _SEVERITY_SHAPE, _Strict)
    # And one optional key per rule id (`MG303: error`): a rule's own severity wins over its category's.
    Severities = create_model(
        "Severities", __base__=Severities, __module__=__name__,
        **{rule: (SeverityValue | None, Field(None, description=_SEVERITY_SHAPE)) for rule in RULE_IDS})
    Templates = _per_category(
        "Templates", "Which real-connection template each category suggests.",
        str, BUILTIN, _TEMPLATE_SHAPE, _TemplateChoices)


class Toleration(_Strict, TolerationTerms):
    """A mock the team accepts, and why. Every given field must match; `reason` is required."""

    target: Patterns | None = Field(
        default=None,
        description="an fnmatch pattern on the dotted target, or a list of them, e.g. 'app.clock.*'",
    )
    category: Categories | None = Field(
        default=None, description=f"a category or a list of them: {', '.join(CATEGORIES)}"
    )
    # Named `constructs` in Python because BaseModel.construct exists; the key in the file is `construct`.
    constructs: Patterns | None = Field(
        default=None,
        alias="construct",
        description="a construct name (or fnmatch pattern, or list), e.g. 'monkeypatch.setattr'",
    )
    paths: Patterns | None = Field(
        default=None, description="a glob or a list of globs, e.g. 'tests/e2e/**'"
    )
    reason: str = Field(
        min_length=1, description="a non-empty text saying why this mock is acceptable"
    )
    expires: date | None = Field(
        default=None, description="a date, YYYY-MM-DD; the toleration stops applying after it"
    )
    owner: str | None = Field(default=None, description="who answers for it, e.g. '@team-payments'")
    origin: Origins | None = Field(
        default=None, description="whose code the target is: own, stdlib or third-party (or a list of them)"
    )

    _line: int | None = PrivateAttr(default=None)
    _paths: wcglob.WcMatcher[str] | None = PrivateAttr(default=None)

    @field_validator("reason")
    @classmethod
    def _real_reason(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("a reason is required and must not be blank")
        return value.strip()

    @field_validator("paths")
    @classmethod
    def _globs(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        return _check_globs(value)

    @field_validator("target", "constructs", "category", "paths")
    @classmethod
    def _not_empty(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if value is not None and not value:
            raise ValueError("an empty list matches nothing; give a value or leave the key out")
        return value

    @model_validator(mode="after")
    def _says_what(self) -> Toleration:
        if self.target is None and self.category is None and self.constructs is None and self.origin is None:
            raise ValueError("a toleration must name at least one of target, category, construct, origin")
        return self

    def model_post_init(self, context: Any) -> None:
        self._paths = _compile_globs(self.paths or ())

    @field_validator("expires", mode="before")
    @classmethod
    def _date_text(cls, value: Any) -> Any:
        if isinstance(value, int | float) and not isinstance(value, bool):
            raise ValueError("write the date as YYYY-MM-DD")  # not a Unix timestamp, as pydantic would
        return value

_SECTIONS = ("files", "severity", "templates", "tolerate", "suggest")


class Suggestion(_Strict):
    """The repository's own real-connection fixture to suggest for one category."""

    fixture: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", description="a pytest fixture's name, e.g. real_ws_client")


class Config(_Strict, ConfigAnswers):
    """The whole rules file. Every key is optional; an empty file means the defaults."""

    version: Literal[1] = Field(1, description="1 (the only version so far)")
    files: Files = Field(
        default_factory=Files, description="a mapping with keys include, exclude (lists of globs)"
    )
    severity: Severities = Field(
        default_factory=Severities,
        description="a mapping of category to error, warning, notice or off",
    )
    fail_on: GateName = Field(
        DEFAULT_FAIL_ON,
        description="one of error, warning, notice, never: the lowest severity that blocks",
    )
    templates: Templates = Field(
        default_factory=Templates, description="a mapping of category to " + _TEMPLATE_SHAPE
    )
    tolerate_environment: bool = Field(
        DEFAULT_TOLERATE_ENVIRONMENT,
        description="true or false: tolerate monkeypatch.setenv/delenv and patch.dict(os.environ)",
    )
    tolerate: tuple[Toleration, ...] = Field(
        default=(),
        description="a list of tolerations, each a mapping with reason and at least one of "
        "target, category, construct, origin (optional: paths, expires, owner)",
    )

    suggest: dict[CategoryName, Suggestion] = Field(
        default_factory=dict,
        description="per category, the repository's own real-connection fixture to suggest, "
        "e.g. {websocket: {fixture: real_ws_client}}",
    )

    _source: str = PrivateAttr(default=RULES_FILE)
    # Set by the loader: where each category's `templates:` value is written (line, column), and
    # the team's template files it read and checked (path -> text).
    _template_at: dict[str, tuple[int, int]] = PrivateAttr(default_factory=dict)
    _template_texts: dict[str, str] = PrivateAttr(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _empty_sections(cls, data: Any) -> Any:
        # A section whose entries are all commented out (`files:` alone) reads as null: use defaults.
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if not (v is None and k in _SECTIONS)}
        return data

    @field_validator("fail_on", mode="before")
    @classmethod
    def _gate_off(cls, value: Any) -> Any:
        # YAML 1.1 reads a bare `off`/`no` as false; for the gate that can only mean "never block".
        return "never" if value is False else value
