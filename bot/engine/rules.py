"""Every rule mockguard knows, and every table that follows from what the rules declare.

The rules are found by walking `bot.engine.detectors` (subpackages included) for `Rule` subclasses
that set an `id`, as Fixit finds its lint rules: adding a rule, or a mocking library, is adding one
file there. The tables the engine reads (which modules mock, what `import *` binds, which fixtures
hand out a mocker, the trigger words of the prefilter, each library's category) are derived here
from the rules' `libraries`, `trigger_words` and `trigger_prefixes`, so they cannot drift apart.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable, Mapping
from types import MappingProxyType, ModuleType

from . import detectors
from .detectors.base import FAMILIES, Library, Rule
from .model import RuleDoc


def discover(package: ModuleType) -> tuple[type[Rule], ...]:
    """Every rule class visible in the package's modules, in id order."""
    found: dict[str, type[Rule]] = {}
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if not (isinstance(value, type) and issubclass(value, Rule) and getattr(value, "id", None)):
                continue
            known = found.setdefault(value.id, value)
            if known is not value:
                raise ValueError(f"two rules have the id {value.id}: {known.__module__}.{known.__name__} and {value.__module__}.{value.__name__}")
            if value.family() not in FAMILIES:
                raise ValueError(f"rule {value.id} is in no family ({', '.join(FAMILIES)})")
    return tuple(found[key] for key in sorted(found))


ALL_RULES: tuple[Rule, ...] = tuple(cls() for cls in discover(detectors))
BY_ID: Mapping[str, Rule] = MappingProxyType({rule.id: rule for rule in ALL_RULES})
# Detectors that look at uses of names, in the order they are asked (id order: the first match wins).
DETECTORS: tuple[Rule, ...] = tuple(rule for rule in ALL_RULES if rule.uses_names())
RULES: Mapping[str, RuleDoc] = MappingProxyType({rule.id: rule.doc() for rule in ALL_RULES})
LIBRARIES: tuple[Library, ...] = tuple(library for rule in ALL_RULES for library in rule.libraries)


def _merged(pairs: Iterable[tuple[str, str]], what: str) -> dict[str, str]:
    table: dict[str, str] = {}
    for key, value in pairs:
        if table.setdefault(key, value) != value:
            raise ValueError(f"two libraries claim the {what} {key!r}: {table[key]} and {value}")
    return table


# Modules whose names can create or install a mock.
MOCK_MODULES: tuple[str, ...] = tuple(module for library in LIBRARIES for module in library.modules)
# Names that reach the same API under another spelling: (prefix, canonical prefix).
CANONICAL_PREFIXES: tuple[tuple[str, str], ...] = tuple(alias for library in LIBRARIES for alias in library.aliases)
# What `from X import *` brings in, for the modules whose names create mocks.
STAR_EXPORTS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {module: names for library in LIBRARIES for module, names in library.star_exports.items()}
)
# pytest fixtures that hand a test a mocking object; the parameter itself is not a mock.
FIXTURE_TYPES: Mapping[str, str] = MappingProxyType(
    _merged(((name, kind) for library in LIBRARIES for name, kind in library.fixtures.items()), "fixture")
)
# Annotations that make any parameter such a fixture.
ANNOTATION_TYPES: Mapping[str, str] = MappingProxyType({kind: kind for library in LIBRARIES for kind in library.annotation_types})
# Libraries that say what they mock whatever the names around them (by import name and by site label).
LIBRARY_CATEGORIES: Mapping[str, str] = MappingProxyType(
    {label: library.category for library in LIBRARIES if library.category for label in (library.name, *library.labels)}
)
# Words one of which stands on the first line of every site: the rules' own, and every module,
# fixture, fixture type and `import *` name of the libraries they own.
TRIGGER_WORDS: frozenset[str] = frozenset(
    {word for rule in ALL_RULES if rule.family() != "MG3xx" for word in rule.trigger_words}
    | {part for library in LIBRARIES for module in library.modules for part in module.split(".")}
    | {name for library in LIBRARIES for name in library.fixtures}
    | {kind.rsplit(".", 1)[-1] for library in LIBRARIES for kind in (*library.fixtures.values(), *library.annotation_types)}
    | {name for library in LIBRARIES for names in library.star_exports.values() for name in names}
)
# MG3xx rules read statements of their own (`bot.engine.cannot_fail`) behind their own prefilter:
# their words (`except`, `assert`, `return`) would make nearly every test statement look like a mock.
CANNOT_FAIL_TRIGGER_WORDS: frozenset[str] = frozenset(word for rule in ALL_RULES if rule.family() == "MG3xx" for word in rule.trigger_words)
# Top packages whose imports are read to resolve names: mocking libraries, their other spellings, hosts.
IMPORT_ROOTS: frozenset[str] = frozenset(
    {m.split(".")[0] for library in LIBRARIES for m in (*library.modules, *library.hosts)}
    | {name.split(".")[0] for library in LIBRARIES for alias in library.aliases for name in alias}
)
TRIGGER_PREFIXES: tuple[str, ...] = tuple(sorted({prefix for rule in ALL_RULES for prefix in rule.trigger_prefixes}))

