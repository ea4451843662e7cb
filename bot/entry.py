"""The `mockguard` console script.

`mockguard check` forks its scanner process (bot/engine/scanner.py) first thing, before click and
the command's modules are imported: libcst's import in the scanner then runs beside theirs instead
of after them, which a small change waits for. Then the click group (bot/cli.py) runs as always.
"""

from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:2] == ["check"] and not _one_process(sys.argv[2:]):
        from bot.engine import scanner

        scanner.start_early()
    from bot.cli import main as cli

    cli()


def _one_process(args: list[str]) -> bool:
    """`--workers 1` (or 0): the user asked for no other process."""
    for index, arg in enumerate(args):
        if arg.startswith("--workers="):
            value: str | None = arg.partition("=")[2]
        elif arg == "--workers" and index + 1 < len(args):
            value = args[index + 1]
        else:
            continue
        if value is not None and value.strip() in ("0", "1"):
            return True
    return False
