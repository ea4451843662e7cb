"""Which extra of the package a command needs, and a one-line refusal when it is not installed.

The core install (`pip install mockguard`) is the engine and the command line; `review`, `serve`,
`worker`, `sandbox` and `demo` need extras (pyproject.toml). Their modules import their libraries
lazily, so a missing extra would otherwise surface as an ImportError deep inside a run: the check is
made on the installed distribution's own metadata, before the command is imported (and only for
those commands: `importlib.metadata` and the `email` parser under it cost `check` 20 ms to import).
"""

from __future__ import annotations

import re
from typing import NoReturn

import click

COMMAND_EXTRAS = {"review": "github", "serve": "app", "worker": "app", "sandbox": "sandbox", "demo": "demo"}

_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?")
_EXTRA = re.compile(r"""extra\s*==\s*["']([^"']+)["']""")


def _requirements(extra: str, seen: set[str]) -> list[str]:
    """Distribution names the extra needs, following `mockguard[other]` references."""
    from importlib import metadata

    if extra in seen:
        return []
    seen.add(extra)
    names: list[str] = []
    for requirement in metadata.requires("mockguard") or []:
        marker = _EXTRA.search(requirement)
        if not marker or marker.group(1) != extra:
            continue
        match = _NAME.match(requirement)
        if not match:
            continue
        name, inner = match.group(1), match.group(2)
        if name.lower() == "mockguard" and inner:
            for other in inner.strip("[]").split(","):
                names += _requirements(other.strip(), seen)
        else:
            names.append(name)
    return names


def missing(extra: str) -> list[str]:
    """The distributions of `extra` that are not installed (none when mockguard itself is not installed)."""
    from importlib import metadata

    try:
        needed = _requirements(extra, set())
    except metadata.PackageNotFoundError:  # running from a source tree: nothing to compare with
        return []
    absent = []
    for name in needed:
        try:
            metadata.distribution(name)
        except metadata.PackageNotFoundError:
            absent.append(name)
    return absent


def refusal(command: str, extra: str, absent: list[str]) -> click.Command:
    """A stand-in command: says which extra to install in one line and exits 2, whatever its arguments."""
    advice = f"pip install 'mockguard[{extra}]'"

    def refuse() -> NoReturn:
        what = ", ".join(absent) or "its libraries"
        click.echo(f"mockguard {command} needs the '{extra}' extra ({what} not installed): {advice}", err=True)
        raise SystemExit(2)

    return click.Command(command, callback=refuse, help=f"(not installed: {advice})", add_help_option=False,
                         context_settings={"ignore_unknown_options": True, "allow_extra_args": True})


def guard(command: str) -> click.Command | None:
    """The refusal for `command` when its extra is missing, else None."""
    extra = COMMAND_EXTRAS.get(command)
    if extra is None:
        return None
    absent = missing(extra)
    return refusal(command, extra, absent) if absent else None
