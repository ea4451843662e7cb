"""The `mockguard` console script.

`mockguard check` forks its scanner process (bot/engine/scanner.py) first thing, before click and
the command's modules are imported: libcst's import in the scanner then runs beside theirs instead
of after them, which a small change waits for. Then the click group (bot/cli.py) runs as always.

Once `check` has said its exit status, the process ends without the interpreter's teardown (which
frees every object of the run, one by one: 14 ms of a big change's 0.33 s): by then the report is
written and flushed, git and the scanner are closed. Only here, in the program itself: the command
run any other way (click's test runner, another program's process) exits as commands do.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    if sys.argv[1:2] != ["check"]:
        from bot.cli import main as cli

        cli()
        return
    from bot.engine import scanner

    if not _one_process(sys.argv[2:]):
        scanner.start_early()
    from bot.cli import main as cli

    try:
        cli()
        status: object = 0
    except SystemExit as stop:
        status = stop.code
    left = scanner.take_early()  # (not taken: a usage error, `--help`)
    if left is not None:
        left.close()
    if status is not None and not isinstance(status, int):
        print(status, file=sys.stderr)  # as the interpreter does with a message for an exit status
        status = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a reader that went away (`| head`), a closed stream: nothing to keep
            pass
    os._exit(status or 0)


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
