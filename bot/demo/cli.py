"""`mockguard demo`: the whole GitHub App loop on this machine, in one command.

    mockguard demo                                   # a sample pull request
    mockguard demo --repo . --base main --head HEAD  # your own history
    mockguard demo --keep                            # keep the page up (and the files) until Ctrl-C

No account, no public URL: `mockguard sandbox` plays GitHub on loopback, `mockguard serve` is the
App, with a key pair and webhook secret made for this run. Everything started is stopped, and the
temporary folder removed, when the demo ends (unless --keep).
"""

from __future__ import annotations

import json
import shutil
import signal
import sys
import tempfile
import time
import webbrowser
from contextlib import ExitStack
from pathlib import Path
from types import FrameType
from typing import NoReturn

import click


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> NoReturn:
    raise SystemExit(143)  # unwinds the ExitStack: processes stopped, files removed


@click.command()
@click.option("--repo", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Your repository, instead of the built-in sample (needs --base).")
@click.option("--base", help="The pull request's base (with --repo): a branch, tag or commit.")
@click.option("--head", default=None, help="The pull request's head (with --repo; default HEAD).")
@click.option("--keep", is_flag=True,
              help="Keep the temporary folder, and the servers (and so the page) running until Ctrl-C.")
@click.option("--open", "open_browser", is_flag=True,
              help="Open the page in a browser, and keep the servers running until Ctrl-C.")
@click.option("--json", "json_path", metavar="FILE",
              help="Also write the result as JSON to FILE ('-': stdout; the display then goes to stderr).")
@click.option("--timeout", default=120.0, show_default=True, help="Seconds to wait for the check run.")
def demo(repo: Path | None, base: str | None, head: str | None, keep: bool, open_browser: bool,
         json_path: str | None, timeout: float) -> None:
    """Run the GitHub App loop locally on a sample pull request (or yours) and show what mockguard says.

    Starts `mockguard sandbox` (a GitHub-compatible API) and `mockguard serve` (the App) on free
    loopback ports, delivers a signed `pull_request` webhook, waits for the check run and prints the
    conclusion and each inline comment, with the address of a page showing the pull request's
    "Files changed" view with the comments and the check.
    """
    from rich.console import Console

    from .loop import DemoError, DemoLoop, result_json
    from .show import RichSteps, show_page, show_result

    if repo is None and (base or head):
        raise click.UsageError("--base and --head go with --repo")
    if repo is not None and not base:
        raise click.UsageError("--repo needs --base (the branch the pull request would merge into)")
    console = Console(stderr=json_path == "-", highlight=False)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    # Ctrl-C must stop the demo even when it was started with SIGINT ignored (e.g. `cmd &` in a script).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    workdir = Path(tempfile.mkdtemp(prefix="mockguard-demo-"))
    stay = keep or open_browser
    try:
        with ExitStack() as stack:
            if not keep:
                stack.callback(shutil.rmtree, workdir, ignore_errors=True)
            loop = DemoLoop(workdir, RichSteps(console), timeout=timeout)
            # (--repo without --base was refused above)
            target = loop.sample() if repo is None or base is None else loop.user_repo(repo, base, head or "HEAD")
            result = loop.run(target, stack)
            show_result(console, result)
            show_page(console, result, served=stay)
            if json_path:
                _write_json(json_path, result_json(result))
            if keep:
                console.print(f"[dim]Files kept in[/] {workdir}")
            if open_browser:
                _open(console, result.page_url)
            if stay:
                console.print("[dim]Serving until Ctrl-C.[/]")
                while True:
                    time.sleep(0.5)
    except DemoError as error:
        console.print(f"[bold red]The demo failed:[/] {error}")
        sys.exit(1)
    except KeyboardInterrupt:
        console.print("\n[dim]Stopped.[/]" + (f"[dim] Files kept in[/] {workdir}" if keep else ""))
        sys.exit(0 if stay else 130)


def _write_json(path: str, data: dict) -> None:
    text = json.dumps(data, indent=2, ensure_ascii=False)
    if path == "-":
        click.echo(text)
    else:
        Path(path).write_text(text + "\n", encoding="utf-8")


def _open(console, url: str) -> None:
    try:
        browser = webbrowser.get()
    except webbrowser.Error:
        console.print("[dim]No browser found here; open the address above yourself.[/]")
        return
    if not browser.open(url):
        console.print("[dim]The browser did not start; open the address above yourself.[/]")
