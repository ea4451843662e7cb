"""What was mocked: one of the categories, guessed from the names around the site."""

from __future__ import annotations

import re
from functools import lru_cache

from .model import CATEGORIES, Site
from .rules import LIBRARY_CATEGORIES  # derived from the libraries the rules own
from .templates import rules_dir

ENVIRONMENT_CONSTRUCTS = {"monkeypatch.setenv", "monkeypatch.delenv"}

# What to do instead, in one line, for the finding's message.
ADVICE = {
    "websocket": "connect a real WebSocket client to the app served on 127.0.0.1",
    "database": "run the test against a real database through a fixture",
    "redis": "start a real redis-server on loopback in a fixture",
    "http": "serve the remote end from a real HTTP server on 127.0.0.1",
    "llm": "point the real client at a loopback server that answers in the provider's format",
    "auth": "issue real tokens with a key made in the test and let the real code verify them",
    "time": "pass the clock (or `now`) into the code under test instead of freezing time",
    "filesystem": "use real files under pytest's tmp_path",
    "queue": "run a real queue and a real consumer, then assert the message arrives",
    "internal-service": "run the real service and call it over a real connection",
    "generic": "use the real collaborator from a fixture and assert on observable results",
    "cannot-fail": "let the error fail the test and start the service in a fixture",
}

# What the mock stands in for, as the message names it.
NOUNS = {
    "websocket": "the WebSocket connection",
    "database": "the database",
    "redis": "Redis",
    "http": "an HTTP service",
    "llm": "the LLM provider",
    "auth": "authentication",
    "time": "the clock",
    "filesystem": "the file system",
    "queue": "the queue",
    "internal-service": "one of your own services",
    "generic": "a real collaborator",
    "cannot-fail": "the test's ability to fail",
}

_SPLIT = re.compile(r"[^A-Za-z0-9]+")
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")


def words(text: str) -> list[str]:
    """Lower-case pieces of a name, plus adjacent pairs joined (`ClientSession` -> client_session)."""
    pieces: list[str] = []
    for part in _SPLIT.split(text):
        pieces.extend(p.lower() for p in _CAMEL.findall(part))
    return pieces + [f"{a}_{b}" for a, b in zip(pieces, pieces[1:])]


@lru_cache(maxsize=1)
def keyword_table() -> dict[str, frozenset[str]]:
    text = (rules_dir() / "categories.yml").read_text(encoding="utf-8")
    data = _word_lists(text)
    if data is None:  # not the plain shape below: YAML reads it
        import yaml

        # libyaml's loader when PyYAML was built with it: the same mapping, read at C speed.
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    unknown = set(data) - set(CATEGORIES)
    if unknown:
        raise ValueError(f"rules/categories.yml names unknown categories: {sorted(unknown)}")
    return {category: frozenset(data[category]) for category in data}


_WORD_LIST = re.compile(r"([a-z][a-z0-9_-]*): \[([a-z0-9_, ]*)\]")
_WORD = re.compile(r"[a-z][a-z0-9_]*")
# Plain words YAML 1.1 (PyYAML) reads as something else than their text.
_NOT_TEXT = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null"})


def _word_lists(text: str) -> dict[str, list[str]] | None:
    """categories.yml as YAML reads it, when each line is a comment, blank or `name: [word, ...]`
    with plain lower-case words (the file's shape): what a run with a finding reads without
    importing PyYAML (15 ms). None for anything else, which YAML then reads."""
    data: dict[str, list[str]] = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        found = _WORD_LIST.fullmatch(line.rstrip())
        if found is None or found[1] in data or found[1] in _NOT_TEXT:
            return None
        words = [word.strip() for word in found[2].split(",")] if found[2].strip() else []
        if not all(_WORD.fullmatch(word) and word not in _NOT_TEXT for word in words):
            return None
        data[found[1]] = words
    return data


def category_of_words(pieces: list[str]) -> str | None:
    """The category with most hits; ties go to the earlier one. "internal-service" names only
    say whose code it is, so they decide only when no concrete kind of connection is named."""
    best, best_hits = None, 0
    for category, keywords in keyword_table().items():
        hits = sum(1 for w in pieces if w in keywords)
        if category == "internal-service" and best is not None:
            break
        if hits > best_hits:
            best, best_hits = category, hits
    return best


def infer_category(site: Site) -> str:
    target = (site.target or "").replace(" ", "")
    if site.construct in ENVIRONMENT_CONSTRUCTS or target in ("os.environ", "environ") or target.startswith("os.environ["):
        return "generic"
    if site.library in LIBRARY_CATEGORIES:
        return LIBRARY_CATEGORIES[site.library]
    for source in (site.target, *site.hints, site.enclosing_test):
        if source:
            category = category_of_words(words(source))
            if category:
                return category
    return "generic"
