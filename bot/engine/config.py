"""The rules file, `.github/mockguard.yml`: which files are integration tests, what is tolerated, how strict.

The file is validated by a pydantic schema (`extra="forbid"` everywhere), never by hand-written key
checks, so a misspelt key is an error and never a silently ignored setting: a typo must not turn the
gate off. Errors carry the file, line and column of the offending key or value (taken from the YAML
node tree of `yaml.compose`), the expected shape, and a did-you-mean for a near key.

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

import difflib
import re
import types
import typing
from collections.abc import Iterable, Sequence
from datetime import date
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)
from wcmatch import glob as wcglob

import bot

from .model import CATEGORIES, Category

DEFAULT_SOURCE = ".github/mockguard.yml"
BUILTIN = "builtin"

# Folder names that mark integration and end-to-end tests (the default file rule).
INTEGRATION_DIR_NAMES = ("integration", "integration_tests", "e2e")
UNIT_DIR_NAME = "unit"
_WORD_SEPARATORS = str.maketrans({"-": "_", ".": "_"})
_GLOB_FLAGS = wcglob.GLOBSTAR | wcglob.BRACE | wcglob.FORCEUNIX | wcglob.DOTGLOB

SeverityName = Literal["error", "warning", "notice", "off"]
GateName = Literal["error", "warning", "notice", "never"]
CategoryName = Category


class ConfigError(Exception):
    """A rules file that cannot be used: `str(e)` is `path:line:col: message` and the expected shape."""

    def __init__(
        self,
        message: str,
        *,
        source: str = DEFAULT_SOURCE,
        line: int | None = None,
        column: int | None = None,
        expected: str | None = None,
    ) -> None:
        self.source = source
        self.line = line
        self.column = column
        self.message = message
        self.expected = expected
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.source
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        text = f"{where}: {self.message}"
        if self.expected:
            text += f"\n  expected: {self.expected}"
        return text


# --- value helpers -------------------------------------------------------------------------------


def _one_or_many(value: Any) -> Any:
    """Let a single pattern stand for a one-item list (`target: app.ws.*`)."""
    return [value] if isinstance(value, str) else value


def _yaml_off(value: Any) -> Any:
    """YAML 1.1 reads a bare `off` as false; in a severity it can only mean "off"."""
    return "off" if value is False else value


def _clean_glob(pattern: str) -> str:
    pattern = pattern.strip()
    while pattern.startswith("./"):
        pattern = pattern[2:]
    pattern = pattern.lstrip("/")  # repository paths are relative; "/tests/**" means the same
    if pattern.endswith("/"):
        pattern += "**"  # a directory covers everything below it
    return pattern


def _check_globs(patterns: tuple[str, ...] | None) -> tuple[str, ...] | None:
    if patterns is None:
        return None
    cleaned = tuple(_clean_glob(p) for p in patterns)
    if any(not p for p in cleaned):
        raise ValueError("a glob must not be empty")
    return cleaned


def _compile_globs(patterns: Sequence[str]) -> wcglob.WcMatcher | None:
    return wcglob.compile(list(patterns), flags=_GLOB_FLAGS) if patterns else None


Patterns = Annotated[tuple[str, ...], BeforeValidator(_one_or_many)]
Categories = Annotated[tuple[CategoryName, ...], BeforeValidator(_one_or_many)]
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

    _included: wcglob.WcMatcher | None = PrivateAttr(default=None)
    _excluded: wcglob.WcMatcher | None = PrivateAttr(default=None)

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


class Severities(_Strict):
    """Severity per category; `off` drops that category's findings.

    One field per category, so a misspelt category is an unknown key with a did-you-mean.
    """

    websocket: SeverityValue = Field("error", description="one of error, warning, notice, off")
    database: SeverityValue = Field("error", description="one of error, warning, notice, off")
    redis: SeverityValue = Field("error", description="one of error, warning, notice, off")
    http: SeverityValue = Field("error", description="one of error, warning, notice, off")
    llm: SeverityValue = Field("error", description="one of error, warning, notice, off")
    auth: SeverityValue = Field("error", description="one of error, warning, notice, off")
    time: SeverityValue = Field("error", description="one of error, warning, notice, off")
    filesystem: SeverityValue = Field("error", description="one of error, warning, notice, off")
    queue: SeverityValue = Field("error", description="one of error, warning, notice, off")
    internal_service: SeverityValue = Field(
        "error", alias="internal-service", description="one of error, warning, notice, off"
    )
    generic: SeverityValue = Field("error", description="one of error, warning, notice, off")
    cannot_fail: SeverityValue = Field(
        "error", alias="cannot-fail", description="one of error, warning, notice, off"
    )


_TEMPLATE_SHAPE = "'builtin' or a repository path to a .py template, e.g. 'tests/templates/ws.py'"


def _template_choice(value: str) -> str:
    value = value.strip()
    if value == BUILTIN:
        return value
    path = PurePosixPath(_clean_glob(value))
    if not str(path).endswith(".py") or ".." in path.parts:
        raise ValueError("neither 'builtin' nor a .py file inside the repository")
    return str(path)


class Templates(_Strict):
    """Which real-connection template each category suggests."""

    websocket: str = Field(BUILTIN, description=_TEMPLATE_SHAPE)
    database: str = Field(BUILTIN, description=_TEMPLATE_SHAPE)
    redis: str = Field(BUILTIN, description=_TEMPLATE_SHAPE)
    http: str = Field(BUILTIN, description=_TEMPLATE_SHAPE)
    llm: str = Field(BUILTIN, description=_TEMPLATE_SHAPE)
    auth: str = Field(BUILTIN, description=_TEMPLATE_SHAPE)
    time: str = Field(BUILTIN, description=_TEMPLATE_SHAPE)
    filesystem: str = Field(BUILTIN, description=_TEMPLATE_SHAPE)
    queue: str = Field(BUILTIN, description=_TEMPLATE_SHAPE)
    internal_service: str = Field(BUILTIN, alias="internal-service", description=_TEMPLATE_SHAPE)
    generic: str = Field(BUILTIN, description=_TEMPLATE_SHAPE)
    cannot_fail: str = Field(BUILTIN, alias="cannot-fail", description=_TEMPLATE_SHAPE)

    @field_validator("*")
    @classmethod
    def _choice(cls, value: str) -> str:
        return _template_choice(value)


class Toleration(_Strict):
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

    _line: int | None = PrivateAttr(default=None)
    _paths: wcglob.WcMatcher | None = PrivateAttr(default=None)

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
        if self.target is None and self.category is None and self.constructs is None:
            raise ValueError("a toleration must name at least one of target, category, construct")
        return self

    def model_post_init(self, context: Any) -> None:
        self._paths = _compile_globs(self.paths or ())

    @field_validator("expires", mode="before")
    @classmethod
    def _date_text(cls, value: Any) -> Any:
        if isinstance(value, int | float) and not isinstance(value, bool):
            raise ValueError("write the date as YYYY-MM-DD")  # not a Unix timestamp, as pydantic would
        return value

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
        ):
            if value is not None:
                parts.append(f"{key} {', '.join(value)}")
        return "; ".join(parts)

    def reason_text(self) -> str:
        return f"{self.reason} (owner: {self.owner})" if self.owner else self.reason

    def matches(self, *, path: str, construct: str, target: str | None, category: str) -> bool:
        if self.category is not None and category not in self.category:
            return False
        if self.constructs is not None and not _fnmatch_any(construct, self.constructs):
            return False
        if self.target is not None and (target is None or not _fnmatch_any(target, self.target)):
            return False
        if self._paths is not None and not self._paths.match(_clean_glob(path)):
            return False
        return True


def _fnmatch_any(value: str, patterns: Iterable[str]) -> bool:
    # Case-sensitive: dotted paths and construct names are Python names.
    return any(fnmatchcase(value, pattern) for pattern in patterns)


ENVIRONMENT_REASON = (
    "environment variables are the process's configuration, not a mocked component "
    "(tolerated by default; set `tolerate_environment: false` to report them)"
)

# Built in: setting environment variables in a test configures the code under test, it does not fake it.
ENVIRONMENT_TOLERATIONS: tuple[Toleration, ...] = (
    Toleration(construct=("monkeypatch.setenv", "monkeypatch.delenv"), reason=ENVIRONMENT_REASON),
    Toleration(
        construct=("patch.dict", "mocker.patch.dict"),
        target=("os.environ", "environ"),
        reason=ENVIRONMENT_REASON,
    ),
)


_SECTIONS = ("files", "severity", "templates", "tolerate")


class Config(_Strict):
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
        "error",
        description="one of error, warning, notice, never: the lowest severity that blocks",
    )
    templates: Templates = Field(
        default_factory=Templates, description="a mapping of category to " + _TEMPLATE_SHAPE
    )
    tolerate_environment: bool = Field(
        True,
        description="true or false: tolerate monkeypatch.setenv/delenv and patch.dict(os.environ)",
    )
    tolerate: tuple[Toleration, ...] = Field(
        default=(),
        description="a list of tolerations, each a mapping with reason and at least one of "
        "target, category, construct (optional: paths, expires, owner)",
    )

    _source: str = PrivateAttr(default=DEFAULT_SOURCE)

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

    @property
    def source(self) -> str:
        """The rules file this came from (the default path when built from defaults)."""
        return self._source

    def is_integration_test(self, path: str) -> bool:
        path = _clean_glob(path.replace("\\", "/"))
        if not path.endswith(".py"):
            return False
        if self.files._excluded is not None and self.files._excluded.match(path):
            return False
        if self.files._included is not None:
            return bool(self.files._included.match(path))
        return is_default_integration_path(path)

    def severity_for(self, category: str) -> str:
        field = category.replace("-", "_")
        if field not in Severities.model_fields:
            field = "generic"  # an unknown category is judged like a generic mock
        return getattr(self.severity, field)

    def template_for(self, category: str) -> str | None:
        """None for the built-in template, else the repository path of the team's template file."""
        field = category.replace("-", "_")
        if field not in Templates.model_fields:
            field = "generic"
        choice = getattr(self.templates, field)
        return None if choice == BUILTIN else choice

    def template_files(self) -> tuple[str, ...]:
        """The repository files the templates name, for a caller that must fetch them."""
        return tuple(sorted({p for c in CATEGORIES if (p := self.template_for(c)) is not None}))

    def tolerations(self) -> tuple[Toleration, ...]:
        """The user's tolerations followed by the built-in ones in effect."""
        builtin = ENVIRONMENT_TOLERATIONS if self.tolerate_environment else ()
        return self.tolerate + builtin


def is_default_integration_path(path: str) -> bool:
    """The default file rule (see the module docstring); `path` is a repository path."""
    *directories, _name = path.split("/")
    names = [d.lower() for d in directories]
    if UNIT_DIR_NAME in names:
        return False
    return any(_is_integration_dir(name) for name in names)


def _is_integration_dir(name: str) -> bool:
    if any(name.startswith(n) or name.endswith(n) for n in INTEGRATION_DIR_NAMES):
        return True
    words = name.translate(_WORD_SEPARATORS).split("_")
    return any(word in INTEGRATION_DIR_NAMES for word in words)


def default_config() -> Config:
    """The embedded defaults: the rule for a repository without a rules file."""
    return Config()


# --- loading -------------------------------------------------------------------------------------


def load_config(text: str, source: str = DEFAULT_SOURCE) -> Config:
    """Parse and validate a rules file; raise `ConfigError` naming file, line and column."""
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.YAMLError as error:
        raise _yaml_error(error, source) from None
    finally:
        loader.dispose()
    if root is None or data is None:
        config = Config()
        config._source = source
        return config
    if not isinstance(root, yaml.MappingNode):
        raise ConfigError(
            "the rules file must be a mapping of settings",
            source=source,
            line=root.start_mark.line + 1,
            column=root.start_mark.column + 1,
            expected=_field_description(Config, ()),
        )
    _refuse_duplicate_keys(root, source)
    try:
        config = Config.model_validate(data)
    except ValidationError as error:
        raise _validation_error(error, root, source) from None
    config._source = source
    _record_toleration_lines(config, root)
    return config


def starter_text() -> str:
    """The commented starter rules file that `mockguard init` writes."""
    return _starter_path().read_text(encoding="utf-8")


def _starter_path() -> Path:
    package = Path(bot.__file__).resolve().parent
    installed = package / "_rules" / "starter.yml"  # the wheel force-includes rules/ as bot/_rules
    return installed if installed.exists() else package.parent / "rules" / "starter.yml"


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader, except that dates stay text so the schema checks them with a position."""


_Loader.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_yaml_str)


def _yaml_error(error: yaml.YAMLError, source: str) -> ConfigError:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    problem = getattr(error, "problem", None) or str(error)
    context = getattr(error, "context", None)
    message = f"broken YAML: {problem}" + (f" ({context})" if context else "")
    return ConfigError(
        message,
        source=source,
        line=mark.line + 1 if mark else None,
        column=mark.column + 1 if mark else None,
        expected="valid YAML: a mapping of settings, e.g. 'fail_on: error'",
    )


def _refuse_duplicate_keys(node: yaml.Node, source: str) -> None:
    # PyYAML keeps the last of two equal keys; the first would be silently dropped.
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, yaml.Node] = {}
        for key, value in node.value:
            name = str(key.value)
            if name in seen and name != "<<":
                raise ConfigError(
                    f"duplicate key '{name}' (first given on line {seen[name].start_mark.line + 1})",
                    source=source,
                    line=key.start_mark.line + 1,
                    column=key.start_mark.column + 1,
                    expected="each key once per mapping",
                )
            seen[name] = key
            _refuse_duplicate_keys(value, source)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _refuse_duplicate_keys(item, source)


def _record_toleration_lines(config: Config, root: yaml.MappingNode) -> None:
    entries = _child(root, "tolerate")
    if isinstance(entries, yaml.SequenceNode):
        for toleration, node in zip(config.tolerate, entries.value, strict=False):
            toleration._line = node.start_mark.line + 1


def _child(node: yaml.Node | None, step: str | int) -> yaml.Node | None:
    """The YAML node one pydantic `loc` step below `node`, or None when there is none."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if str(key.value) == str(step):
                return value
    elif isinstance(node, yaml.SequenceNode) and isinstance(step, int):
        if 0 <= step < len(node.value):
            return node.value[step]
    elif isinstance(node, yaml.ScalarNode) and step == 0:
        return node  # a single value standing for a one-item list
    return None


def _key_node(node: yaml.Node | None, step: str | int) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key, _value in node.value:
            if str(key.value) == str(step):
                return key
    return None


def _validation_error(error: ValidationError, root: yaml.Node, source: str) -> ConfigError:
    details = error.errors()
    # A misspelt key shows up twice: as unknown, and as its right name missing. Keep the first.
    unknown = {(tuple(d["loc"][:-1]), str(d["loc"][-1])) for d in details if d["type"] == "extra_forbidden"}
    details = [
        d
        for d in details
        if not (
            d["type"] == "missing"
            and difflib.get_close_matches(
                str(d["loc"][-1]),
                [key for parent, key in unknown if parent == tuple(d["loc"][:-1])],
                n=1,
                cutoff=0.6,
            )
        )
    ]
    # An error on a list or mapping caused by an error inside it only repeats that one.
    locs = [tuple(d["loc"]) for d in details]
    details = [d for d in details if not any(_inside(o, tuple(d["loc"])) for o in locs)]
    problems = [_one_problem(detail, root, source) for detail in details]
    problems.sort(key=lambda p: (p.line or 0, p.column or 0))
    first = problems[0]
    if len(problems) > 1:
        first.message += f" (and {len(problems) - 1} more problem{'s' if len(problems) > 2 else ''})"
    return first


def _inside(loc: tuple[Any, ...], outer: tuple[Any, ...]) -> bool:
    return len(loc) > len(outer) and loc[: len(outer)] == outer


# pydantic speaks Python; the rules file is YAML.
_PLAIN_WORDS = (
    ("Value error, ", ""),
    ("a valid tuple", "a list"),
    ("a valid list", "a list"),
    ("a valid dictionary", "a mapping"),
    ("a valid string", "a text"),
    ("Tuple should", "The list should"),
)


def _one_problem(detail: Any, root: yaml.Node, source: str) -> ConfigError:
    loc = tuple(detail["loc"])
    kind = detail["type"]
    # Walk the YAML tree along `loc`; when a step is absent (a missing key), stop at its parent.
    parent, node, reached = None, root, True
    for step in loc:
        child = _child(node, step)
        if child is None:
            reached = False
            break
        parent, node = node, child

    where = _dotted(loc)
    expected = _field_description(Config, loc)
    if kind == "extra_forbidden":
        unknown = str(loc[-1])
        owner = _owner_model(Config, loc[:-1])
        valid = _keys_of(owner) if owner else []
        message = f"unknown key '{unknown}'" + (f" in {_dotted(loc[:-1])}" if loc[:-1] else "")
        message += _did_you_mean(unknown, valid)
        shape = "one of the keys " + ", ".join(valid) if valid else None
        return _at(_key_node(parent, loc[-1]) or node, message, source, shape)
    if kind == "missing":
        return _at(node, f"{where}: missing required key '{loc[-1]}'", source, expected)

    text = detail["msg"]
    for pydantic_words, plain_words in _PLAIN_WORDS:
        text = text.replace(pydantic_words, plain_words)
    message = re.sub(r" or instance of \w+", "", f"{where}: {text}" if where else text)
    got = _scalar_text(node) if reached else None
    if got is not None:
        message += f" (got {got!r})"
        if kind == "literal_error":
            options = re.findall(r"'([^']*)'", str(detail.get("ctx", {}).get("expected", "")))
            message += _did_you_mean(got, options)
    return _at(node, message, source, expected)


def _did_you_mean(word: str, choices: Sequence[str]) -> str:
    guess = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"; did you mean '{guess[0]}'?" if guess else ""


def _scalar_text(node: yaml.Node) -> str | None:
    return str(node.value) if isinstance(node, yaml.ScalarNode) else None


def _at(node: yaml.Node, message: str, source: str, expected: str | None) -> ConfigError:
    return ConfigError(
        message,
        source=source,
        line=node.start_mark.line + 1,
        column=node.start_mark.column + 1,
        expected=expected,
    )


def _dotted(loc: Sequence[Any]) -> str:
    text = ""
    for step in loc:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else str(step))
    return text


# --- reading the schema back, for messages ---------------------------------------------------------


def _models_in(annotation: Any) -> list[Any]:
    """The types inside Optional/Annotated/tuple/list, outermost first."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return _models_in(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [t for arg in typing.get_args(annotation) if arg is not type(None) for t in _models_in(arg)]
    if origin in (tuple, list):
        return [t for arg in typing.get_args(annotation) if arg is not Ellipsis for t in _models_in(arg)]
    return [annotation]


def _field(model: type[BaseModel], step: Any) -> Any:
    for name, info in model.model_fields.items():
        if step in (name, info.alias):
            return info
    return None


def _owner_model(model: type[BaseModel], loc: Sequence[Any]) -> type[BaseModel] | None:
    """The model whose keys are valid at `loc` (list indices are stepped over)."""
    current: Any = model
    for step in loc:
        if isinstance(step, int):
            continue
        info = _field(current, step) if isinstance(current, type) and issubclass(current, BaseModel) else None
        if info is None:
            return None
        inner = [t for t in _models_in(info.annotation) if isinstance(t, type) and issubclass(t, BaseModel)]
        if not inner:
            return None
        current = inner[0]
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _field_description(model: type[BaseModel], loc: Sequence[Any]) -> str | None:
    """The expected shape of the deepest schema field named along `loc`."""
    if not loc:
        return "a mapping with the keys " + ", ".join(_keys_of(model))
    current: Any = model
    description = None
    for step in loc:
        if isinstance(step, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            break
        info = _field(current, step)
        if info is None:
            break
        description = info.description
        inner = [t for t in _models_in(info.annotation) if isinstance(t, type) and issubclass(t, BaseModel)]
        current = inner[0] if inner else None
    return description


def _keys_of(model: type[BaseModel]) -> list[str]:
    return [info.alias or name for name, info in model.model_fields.items()]
