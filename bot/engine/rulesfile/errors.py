"""How the rules file's problems are worded: one `Problem` per mistake, every one reported at once.

A `Problem` is `path:line:col: message` plus the expected shape; a `ConfigError` carries all the
problems of one file (its `str` lists them all), so a team fixes its rules file in one go rather
than one push per typo. pydantic speaks Python; the words here speak YAML ("a list", "a mapping").
The expected shapes are read back from the schema's field descriptions, so they cannot drift.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

if TYPE_CHECKING:
    from pydantic import BaseModel

RULES_FILE = ".github/mockguard.yml"


@dataclass(frozen=True)
class Problem:
    """One mistake in a rules file (or a file it names), at a position when there is one."""

    message: str
    source: str = RULES_FILE
    line: int | None = None
    column: int | None = None
    expected: str | None = None

    def where(self) -> str:
        where = self.source
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return where

    def __str__(self) -> str:
        text = f"{self.where()}: {self.message}"
        if self.expected:
            text += f"\n  expected: {self.expected}"
        return text


class ConfigError(Exception):
    """A rules file that cannot be used, with every problem found in it, in file order.

    `str(e)` lists them all, one `path:line:col: message` (and its expected shape) each.
    `source`, `line`, `column`, `message` and `expected` are those of the first problem, for a
    caller that has room for only one (a check run's title).
    """

    def __init__(
        self,
        message: str | None = None,
        *,
        source: str = RULES_FILE,
        line: int | None = None,
        column: int | None = None,
        expected: str | None = None,
        problems: Sequence[Problem] = (),
    ) -> None:
        if message is not None:
            problems = (Problem(message, source, line, column, expected), *problems)
        if not problems:
            raise ValueError("a ConfigError needs at least one problem")
        self.problems: tuple[Problem, ...] = tuple(problems)
        first = self.problems[0]
        self.source = first.source
        self.line = first.line
        self.column = first.column
        self.message = first.message
        self.expected = first.expected
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)

    def __reduce__(self) -> Any:  # keep every problem across processes
        return (_rebuild, (self.problems,))


def _rebuild(problems: tuple[Problem, ...]) -> ConfigError:
    return ConfigError(problems=problems)


# --- wording --------------------------------------------------------------------------------------

# pydantic speaks Python; the rules file is YAML.
_PLAIN_WORDS = (
    ("Value error, ", ""),
    ("a valid tuple", "a list"),
    ("a valid list", "a list"),
    ("a valid dictionary", "a mapping"),
    ("a valid string", "a text"),
    ("Tuple should", "The list should"),
)

BROKEN_YAML_SHAPE = "valid YAML: a mapping of settings, e.g. 'fail_on: error'"
NOT_A_MAPPING = "the rules file must be a mapping of settings"


def plain(text: str) -> str:
    """pydantic's message in the rules file's words."""
    for pydantic_words, plain_words in _PLAIN_WORDS:
        text = text.replace(pydantic_words, plain_words)
    return re.sub(r" or instance of \w+", "", text)


def did_you_mean(word: str, choices: Sequence[str]) -> str:
    import difflib  # (here: only a rules file with a typo needs it)

    guess = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"; did you mean '{guess[0]}'?" if guess else ""


def unknown_key(key: str, parent: Sequence[Any], valid: Sequence[str]) -> tuple[str, str | None]:
    """(message, expected shape) for a key the schema does not know."""
    message = f"unknown key '{key}'" + (f" in {dotted(parent)}" if parent else "")
    message += did_you_mean(key, valid)
    return message, ("one of the keys " + ", ".join(valid) if valid else None)


def duplicate_key(key: str, first_line: int) -> tuple[str, str]:
    return f"duplicate key '{key}' (first given on line {first_line})", "each key once per mapping"


def missing_template(category: str, path: str) -> str:
    return (f"templates.{category}: the template file '{path}' does not exist in the repository "
            "(at the revision the rules file was read from)")


def broken_template(category: str, path: str, reason: str) -> str:
    return f"templates.{category}: the template file '{path}' is not a Python module ({reason})"


def dotted(loc: Sequence[Any]) -> str:
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


def _is_model(value: Any) -> bool:
    from pydantic import BaseModel  # here: reading a schema back means pydantic is loaded already

    return isinstance(value, type) and issubclass(value, BaseModel)


def _field(model: type[BaseModel], step: Any) -> Any:
    for name, info in model.model_fields.items():
        if step in (name, info.alias):
            return info
    return None


def owner_model(model: type[BaseModel], loc: Sequence[Any]) -> type[BaseModel] | None:
    """The model whose keys are valid at `loc` (list indices are stepped over)."""
    current: Any = model
    for step in loc:
        if isinstance(step, int):
            continue
        info = _field(current, step) if _is_model(current) else None
        if info is None:
            return None
        inner = [t for t in _models_in(info.annotation) if _is_model(t)]
        if not inner:
            return None
        current = inner[0]
    return current if _is_model(current) else None


def field_description(model: type[BaseModel], loc: Sequence[Any]) -> str | None:
    """The expected shape of the deepest schema field named along `loc`."""
    if not loc:
        return "a mapping with the keys " + ", ".join(keys_of(model))
    current: Any = model
    description = None
    for step in loc:
        if isinstance(step, int):
            continue
        if not _is_model(current):
            break
        info = _field(current, step)
        if info is None:
            break
        description = info.description
        inner = [t for t in _models_in(info.annotation) if _is_model(t)]
        current = inner[0] if inner else None
    return description


def keys_of(model: type[BaseModel]) -> list[str]:
    return [info.alias or name for name, info in model.model_fields.items()]
