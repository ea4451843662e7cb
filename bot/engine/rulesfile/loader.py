"""Reading a rules file: YAML text in, a validated `Config` out, or a `ConfigError` with every problem.

PyYAML composes the text into a node tree first: every node, scalars included, carries the line and
column where it starts, so each problem pydantic finds is placed by walking that tree along the
problem's `loc`. The tree is also where duplicate keys are caught (PyYAML would keep the last one
silently) and where the team's template files are found, so their problems are placed too.

Every problem is reported at once: duplicate keys, schema problems and template files together,
in file order. Only broken YAML stops at the first problem, as the parser cannot go on.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

import bot

from ..model import CATEGORIES
from ..templates import Template, TemplateError, builtin_template, template_from_text
from . import errors
from .errors import RULES_FILE, ConfigError, Problem
from .schema import BUILTIN, Config, _template_choice

ReadFile = Callable[[str], "str | None"]


def load_config(text: str, source: str = RULES_FILE, *, read_file: ReadFile | None = None) -> Config:
    """Parse and validate a rules file; raise `ConfigError` with every problem, each placed.

    With `read_file` (a repository path -> its text at the rules file's revision, None when absent),
    the template files the rules file names are read and checked as well: a missing or unparsable
    template is a problem of the rules file, never a silent fall back to the built-in one.
    """
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.YAMLError as error:
        raise ConfigError(problems=[_yaml_problem(error, source)]) from None
    finally:
        loader.dispose()
    if root is None or data is None:
        empty = Config()
        empty._source = source
        return empty
    if not isinstance(root, yaml.MappingNode):
        raise ConfigError(
            errors.NOT_A_MAPPING,
            source=source,
            line=root.start_mark.line + 1,
            column=root.start_mark.column + 1,
            expected=errors.field_description(Config, ()),
        )
    problems = list(_duplicate_keys(root, source))
    config: Config | None = None
    try:
        config = Config.model_validate(data)
    except ValidationError as error:
        problems += _validation_problems(error, root, source)
    texts: dict[str, str] = {}
    if read_file is not None:
        problems += _template_problems(root, source, read_file, texts)
    if problems or config is None:
        problems.sort(key=lambda p: (p.line or 0, p.column or 0))
        raise ConfigError(problems=problems)
    config._source = source
    config._template_texts = texts
    config._template_at = _template_positions(root)
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


def _date_as_text(loader: _Loader, node: yaml.Node) -> str:
    return loader.construct_yaml_str(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _date_as_text)


def _yaml_problem(error: yaml.YAMLError, source: str) -> Problem:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    problem = getattr(error, "problem", None) or str(error)
    context = getattr(error, "context", None)
    return Problem(
        f"broken YAML: {problem}" + (f" ({context})" if context else ""),
        source=source,
        line=mark.line + 1 if mark else None,
        column=mark.column + 1 if mark else None,
        expected=errors.BROKEN_YAML_SHAPE,
    )


def _at(node: yaml.Node, message: str, source: str, expected: str | None) -> Problem:
    return Problem(message, source, node.start_mark.line + 1, node.start_mark.column + 1, expected)


def _duplicate_keys(node: yaml.Node, source: str) -> Iterator[Problem]:
    # PyYAML keeps the last of two equal keys; the first would be silently dropped.
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, yaml.Node] = {}
        for key, value in node.value:
            name = str(key.value)
            if name in seen and name != "<<":
                message, expected = errors.duplicate_key(name, seen[name].start_mark.line + 1)
                yield _at(key, message, source, expected)
            else:
                seen[name] = key
            yield from _duplicate_keys(value, source)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _duplicate_keys(item, source)


def _child(node: yaml.Node | None, step: str | int) -> yaml.Node | None:
    """The YAML node one pydantic `loc` step below `node`, or None when there is none. Of two equal
    keys the last counts, as it does in the data PyYAML constructs."""
    if isinstance(node, yaml.MappingNode):
        pairs: list[tuple[yaml.Node, yaml.Node]] = node.value
        for key, value in reversed(pairs):
            if str(key.value) == str(step):
                return value
    elif isinstance(node, yaml.SequenceNode) and isinstance(step, int):
        items: list[yaml.Node] = node.value
        if 0 <= step < len(items):
            return items[step]
    elif isinstance(node, yaml.ScalarNode) and step == 0:
        return node  # a single value standing for a one-item list
    return None


def _key_node(node: yaml.Node | None, step: str | int) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        pairs: list[tuple[yaml.Node, yaml.Node]] = node.value
        for key, _value in reversed(pairs):
            if str(key.value) == str(step):
                return key
    return None


def _validation_problems(error: ValidationError, root: yaml.Node, source: str) -> list[Problem]:
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
    return [_one_problem(detail, root, source) for detail in details]


def _inside(loc: tuple[Any, ...], outer: tuple[Any, ...]) -> bool:
    return len(loc) > len(outer) and loc[: len(outer)] == outer


def _one_problem(detail: Any, root: yaml.Node, source: str) -> Problem:
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

    where = errors.dotted(loc)
    expected = errors.field_description(Config, loc)
    if kind == "extra_forbidden":
        owner = errors.owner_model(Config, loc[:-1])
        message, shape = errors.unknown_key(str(loc[-1]), loc[:-1], errors.keys_of(owner) if owner else [])
        return _at(_key_node(parent, loc[-1]) or node, message, source, shape)
    if kind == "missing":
        return _at(node, f"{where}: missing required key '{loc[-1]}'", source, expected)

    text = errors.plain(detail["msg"])
    message = f"{where}: {text}" if where else text
    got = str(node.value) if reached and isinstance(node, yaml.ScalarNode) else None
    if got is not None:
        message += f" (got {got!r})"
        if kind == "literal_error":
            options = re.findall(r"'([^']*)'", str(detail.get("ctx", {}).get("expected", "")))
            message += errors.did_you_mean(got, options)
    return _at(node, message, source, expected)


# --- templates ------------------------------------------------------------------------------------


def _template_entries(root: yaml.Node) -> Iterator[tuple[str, yaml.ScalarNode, str]]:
    """(category, value node, repository path) for each team template the rules file names."""
    section = _child(root, "templates")
    if not isinstance(section, yaml.MappingNode):
        return
    for key, value in section.value:
        category = str(key.value)
        if category not in CATEGORIES or not isinstance(value, yaml.ScalarNode):
            continue  # the schema reports these
        try:
            path = _template_choice(str(value.value))
        except ValueError:
            continue  # the schema reports it
        if path != BUILTIN:
            yield category, value, path


def _template_problems(root: yaml.Node, source: str, read_file: ReadFile, texts: dict[str, str]) -> list[Problem]:
    problems: list[Problem] = []
    expected = errors.field_description(Config, ("templates", "generic"))
    for category, node, path in _template_entries(root):
        if path not in texts:
            text = read_file(path)
            if text is None:
                problems.append(_at(node, errors.missing_template(category, path), source, expected))
                continue
            texts[path] = text
        try:
            template_from_text(category, texts[path], path)
        except TemplateError as error:
            problems.append(_at(node, errors.broken_template(category, path, error.reason), source,
                                "a template file that parses as a Python module"))
    return problems


def _template_positions(root: yaml.Node) -> dict[str, tuple[int, int]]:
    section = _child(root, "templates")
    if not isinstance(section, yaml.MappingNode):
        return {}
    return {str(key.value): (value.start_mark.line + 1, value.start_mark.column + 1) for key, value in section.value}


def _record_toleration_lines(config: Config, root: yaml.MappingNode) -> None:
    entries = _child(root, "tolerate")
    if isinstance(entries, yaml.SequenceNode):
        for toleration, node in zip(config.tolerate, entries.value, strict=False):
            toleration._line = node.start_mark.line + 1
