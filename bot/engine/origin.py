"""Whose code a mock replaces: the repository's own, the standard library's, or a third party's.

"Never mock our own code" and "mock only the boundary to a vendor" are both team rules; a finding
says which side its target is on, and a toleration can select by it (`origin: third-party`).
Only dotted module paths are judged (`patch("app.db.engine")`): a target written as an object
(`patch.object(Client, "send")`) has no module to look at, and gets no origin.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable

ORIGINS = ("own", "stdlib", "third-party")
_MODULE_PATH = re.compile(r"^[a-z_][a-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+$")


def origin_of(target: str | None, tree: Callable[[str], str | None] | None) -> str | None:
    """`own` when the target's top module is in the head tree (`app.py`, `app/__init__.py`, or
    under `src/`), `stdlib` for the standard library, `third-party` when a dependency file of the
    head tree (pyproject.toml, requirements.txt, ...) names it; None when unknown."""
    if not target or not _MODULE_PATH.match(target):
        return None
    root = target.split(".", 1)[0]
    if tree is not None and any(tree(path) is not None for path in _module_files(root)):
        return "own"
    if root in sys.stdlib_module_names:
        return "stdlib"
    if tree is not None and _declared_dependency(root, tree):
        return "third-party"
    # Neither in the tree nor declared: perhaps the code lives under another folder (a monorepo's
    # backend/app): say nothing rather than something wrong.
    return None


# Where a Python project declares what it depends on.
DEPENDENCY_FILES = ("pyproject.toml", "setup.cfg", "setup.py", "requirements.txt", "requirements-dev.txt",
                    "requirements/base.txt", "requirements/dev.txt", "requirements/test.txt", "Pipfile")


def _declared_dependency(root: str, tree: Callable[[str], str | None]) -> bool:
    """Whether a dependency file names the module's distribution (`redis`, `python-redis` aside:
    the same name with `-` or `_`, as a word)."""
    pattern = re.compile(r"(?<![A-Za-z0-9_.-])%s(?![A-Za-z0-9_])" % "[-_]".join(map(re.escape, root.split("_"))), re.IGNORECASE)
    return any((text := tree(path)) is not None and pattern.search(text) for path in DEPENDENCY_FILES)


def _module_files(root: str) -> tuple[str, ...]:
    return (f"{root}.py", f"{root}/__init__.py", f"src/{root}.py", f"src/{root}/__init__.py")


def origin_sentence(origin: str | None, target: str | None) -> str:
    if origin is None or not target:
        return ""
    root = target.split(".", 1)[0]
    if origin == "own":
        return f"It mocks your own code (`{root}`)."
    if origin == "stdlib":
        return f"It mocks the boundary to the standard library (`{root}`)."
    return f"It mocks the boundary to `{root}`."
