"""`mockguard check`, `init`, `rules` and `rule`: the engine on a local git repository."""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import click

from .engine.analyse import analyse
from .engine.config import Config, ConfigError, default_config, load_config, starter_text
from .engine.formats import FORMATS, render
from .engine.model import Notice
from .engine.rules import RULES
from .gitrepo import GitError, Revisions, read_at, read_change, resolve_revisions

RULES_FILE = ".github/mockguard.yml"
EXIT_CLEAN, EXIT_BLOCKING, EXIT_ERROR = 0, 1, 2


def tool_version() -> str:
    try:
        return version("mockguard")
    except PackageNotFoundError:
        return "0+unknown"


def fail(message: str) -> None:
    click.echo(f"mockguard: {message}", err=True)
    sys.exit(EXIT_ERROR)


@click.command()
@click.option("--repo", "repo", type=click.Path(file_okay=False, path_type=Path), default=".", show_default=True, help="The git repository (bare works with --head).")
@click.option("--base", help="Compare with this revision. Default: the merge-base with the default branch (HEAD with --staged).")
@click.option("--head", help="Check this revision. Default: the working tree.")
@click.option("--staged", is_flag=True, help="Check the index (what `git commit` would record), for pre-commit.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path), help=f"Rules file to use instead of {RULES_FILE} at the base revision.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("--workers", type=int, default=None, help="Processes for big changes (default: up to 2).")
@click.argument("paths", nargs=-1)
def check(repo: Path, base: str | None, head: str | None, staged: bool, config_file: Path | None, fmt: str, workers: int | None, paths: tuple[str, ...]) -> None:
    """Report the mocks a change adds to integration and e2e tests.

    Exit status: 0 no blocking finding, 1 blocking findings, 2 usage or rules-file error.
    """
    if staged and head:
        fail("--staged and --head exclude each other")
    try:
        revisions = resolve_revisions(repo, base, head, staged)
        config, config_notices = _rules(repo, revisions, config_file)
        # conftest.py files come along: a new autouse fixture there reaches the tests below it (MG2xx).
        changes, notices = read_change(repo, revisions, paths=paths, wanted=lambda p: config.is_integration_test(p) or p.endswith("conftest.py"))
        template_files = {p: t for p in config.template_files() if (t := read_at(repo, revisions.base, p)) is not None}
    except GitError as error:
        fail(str(error))
    except ConfigError as error:
        fail(f"invalid rules file\n{error}")
    report = analyse(changes, config, template_files=template_files, workers=workers, tree=_head_view(repo, revisions))
    report = dataclasses.replace(report, notices=(*config_notices, *notices, *report.notices))
    click.echo(render(report, fmt, rules=RULES, tool_version=tool_version()))
    sys.exit(EXIT_BLOCKING if report.blocking else EXIT_CLEAN)


def _rules(repo: Path, revisions: Revisions, config_file: Path | None) -> tuple[Config, list[Notice]]:
    """The rules that judge the change: the base revision's file (never the change's own copy,
    so a change cannot relax its own gate), or --config. A changed copy in the change is checked too."""
    if config_file is not None:
        try:
            return load_config(config_file.read_text(encoding="utf-8"), str(config_file)), []
        except OSError as error:
            raise GitError(f"cannot read {config_file}: {error.strerror}") from error
    base_text = read_at(repo, revisions.base, RULES_FILE)
    config = load_config(base_text, RULES_FILE) if base_text is not None else default_config()
    head_text = _head_view(repo, revisions)(RULES_FILE)
    notices = []
    if head_text is not None and head_text != base_text:
        load_config(head_text, RULES_FILE)  # a broken new copy is an error now, not on the next change
        notices.append(Notice(RULES_FILE, "this change edits the rules file; it was validated, and applies from the next change on"))
    return config, notices


def _head_view(repo: Path, revisions: Revisions) -> Callable[[str], str | None]:
    """The head side as a path -> text lookup: the --head commit, the index, or the working tree."""
    if revisions.head:
        return lambda path: read_at(repo, revisions.head, path)
    if revisions.staged:
        return lambda path: read_at(repo, "", path)  # ":path" is the index
    return lambda path: (repo / path).read_text(encoding="utf-8", errors="replace") if (repo / path).is_file() else None


@click.command()
@click.option("--repo", type=click.Path(file_okay=False, path_type=Path), default=".", show_default=True)
@click.option("--force", is_flag=True, help="Overwrite an existing rules file.")
def init(repo: Path, force: bool) -> None:
    """Write a commented starter rules file to .github/mockguard.yml."""
    target = repo / RULES_FILE
    if target.exists() and not force:
        fail(f"{target} exists; pass --force to overwrite it")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(starter_text(), encoding="utf-8")
    click.echo(f"wrote {target}: commit it, and mockguard reads it from your default branch")


@click.command()
def rules() -> None:
    """List every rule."""
    for doc in RULES.values():
        click.echo(f"{doc.id}  {doc.name:45}  {doc.summary}")


@click.command()
@click.argument("rule_id")
def rule(rule_id: str) -> None:
    """Print one rule's documentation."""
    doc = RULES.get(rule_id.upper())
    if doc is None:
        fail(f"no rule {rule_id!r}; `mockguard rules` lists them")
    indent = lambda text: "\n".join(f"    {line}" if line else "" for line in text.splitlines())  # noqa: E731
    click.echo(
        f"# {doc.id} {doc.name}\n\n{doc.summary}\n\n"
        f"## What it does\n{doc.what_it_does}\n\n"
        f"## Why is this bad?\n{doc.why_bad}\n\n"
        f"## Example\n{indent(doc.example)}\n\n"
        f"## Use instead\n{doc.use_instead}"
    )
