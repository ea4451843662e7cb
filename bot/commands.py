"""`mockguard check`, `init`, `rules` and `rule`: the engine on a local git repository."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import importlib
import os
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from . import __version__
from .engine.rulesfile import RULES_FILE, ConfigAnswers, ConfigError, RulesVersion, choose_rules
from .engine.formats import FORMATS, Comparison, render, render_error
from .engine.model import Notice
from .engine.detectors.base import FAMILIES
from .engine.rules import RULES
from .engine.scanner import ScanProcess, take_early

if TYPE_CHECKING:
    from .engine.first_pass import Layout
from .gitrepo import ChangeRead, GitError, Objects, Revisions, file_history, git_has_staged, missing_paths, read_change, resolve_revisions

EXIT_CLEAN, EXIT_BLOCKING, EXIT_ERROR = 0, 1, 2


def tool_version() -> str:
    return __version__  # the one place it is written: pyproject.toml reads it, `--version` prints it


def fail(message: str) -> NoReturn:
    click.echo(f"mockguard: {message}", err=True)
    sys.exit(EXIT_ERROR)


class Stop(Exception):
    """The run cannot complete: exit 2 with this message (in the chosen format, too)."""


@click.command()
@click.option("--repo", "repo", type=click.Path(file_okay=False, path_type=Path), default=".", show_default=True, help="The git repository (bare works with --head).")
@click.option("--base", help="Compare with this revision, through its merge base with the head (as `git diff BASE...HEAD`). Default: the merge base with the default branch (HEAD with --staged).")
@click.option("--head", help="Check this revision. Default: the working tree.")
@click.option("--staged", is_flag=True, help="Check the index (what `git commit` would record).")
@click.option("--pre-commit", "pre_commit", is_flag=True, help="What pre-commit asks for: PRE_COMMIT_FROM_REF..PRE_COMMIT_TO_REF when set (--from-ref/--to-ref, pre-push), else the index when something is staged, else the working tree against the default branch.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path), help=f"Rules file to use instead of {RULES_FILE} at the base revision.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("--output", "-o", "output", type=click.Path(dir_okay=False, path_type=Path), help="Write the report to this file instead of standard output (for SARIF upload steps).")
@click.option("--workers", type=int, default=None, help="Processes to use (default: up to 2, the cores there are: a scanner process started first, and a pool for big changes); 1 keeps all in this one.")
@click.argument("paths", nargs=-1)
def check(repo: Path, base: str | None, head: str | None, staged: bool, pre_commit: bool, config_file: Path | None, fmt: str, output: Path | None, workers: int | None, paths: tuple[str, ...]) -> None:
    """Report the mocks a change adds to integration and e2e tests.

    Exit status: 0 no blocking finding; 1 blocking findings; 2 the change could not be checked
    (usage, an unknown comparison, a PATH that names nothing, a rules-file error, a file that
    could not be read). The README has the full table.
    """
    # Forked first, before git starts or a thread runs: it imports libcst while git reads the change.
    with _scanner(workers) as scanner, Objects(repo) as objects:  # one `git cat-file --batch` answers every read
        ahead: dict[str, Layout] = {}  # the heads' first looks, taken while git still diffs
        read, config, config_notices, revisions = _read(repo, base, head, staged, pre_commit, config_file, paths, fmt, output, objects, ahead)
        from .engine.analyse import analyse  # (imported while git read the change: see `_read`)

        report = analyse(read.changes, config, workers=workers, tree=_head_view(repo, revisions, objects), scanner=scanner, layouts=ahead)
    report = dataclasses.replace(report, notices=(*config_notices, *read.notices, *report.notices))
    _write(render(report, fmt, rules=RULES, tool_version=tool_version(), comparison=comparison(revisions)), output)
    if report.blocking:
        sys.exit(EXIT_BLOCKING)
    if read.unreadable:
        # Never green when part of the change was not seen; blocking findings still say 1.
        click.echo(f"mockguard: {_plural(len(read.unreadable), 'file')} could not be read and were not checked: {', '.join(read.unreadable)}", err=True)
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_CLEAN)


@contextlib.contextmanager
def _scanner(workers: int | None) -> Iterator[ScanProcess | None]:
    """The scanner process (bot/engine/scanner.py), unless `--workers 1` asks for one process."""
    early = take_early()  # forked by the console script, first thing (bot/entry.py)
    if early is not None and workers is not None and workers <= 1:
        early.close()
        early = None
    scanner = early or (ScanProcess.start() if workers is None or workers > 1 else None)
    try:
        yield scanner
    finally:
        if scanner is not None:
            scanner.close()


def _read(repo: Path, base: str | None, head: str | None, staged: bool, pre_commit: bool, config_file: Path | None,
          paths: tuple[str, ...], fmt: str, output: Path | None, objects: Objects,
          ahead: dict[str, Layout]) -> tuple[ChangeRead, ConfigAnswers, list[Notice], Revisions]:
    """The comparison, the rules that judge it and the change itself; exit 2 when one cannot be had."""
    revisions = None
    try:
        if staged and head:
            raise Stop("--staged and --head exclude each other")
        if pre_commit:
            if staged or head or base:
                raise Stop("--pre-commit decides the comparison itself: drop --base, --head and --staged")
            base, head, staged = _pre_commit_comparison(repo)
        revisions = resolve_revisions(repo, base, head, staged)
        if missing := missing_paths(repo, revisions, paths):
            raise Stop(f"no such file or folder in the {revisions.head_state}: {', '.join(missing)}")
        config, config_notices = _rules(repo, revisions, config_file, objects)
        # git diffs the change and reads its files (its own processes) while this thread imports
        # the engine (libcst and the families: about 0.25 s of CPU), so neither waits for the other.
        # conftest.py files come along: a new autouse fixture there reaches the tests below it (MG2xx).
        # The heads' first looks (bot/engine/first_pass.py) are taken as git hands each head over,
        # on the reading thread, while the diff still runs on the other core.
        from .engine.first_pass import Layout

        def look_ahead(path: str, text: str) -> None:
            if config.is_integration_test(path):
                ahead[path] = Layout(text).read_ahead()

        reading = _Reading(lambda: read_change(repo, revisions, paths=paths, objects=objects, on_head=look_ahead,
                                               wanted=lambda p: config.is_integration_test(p) or p.endswith("conftest.py")))
        importlib.import_module("bot.engine.analyse")
        read = reading.result()
    except (Stop, GitError) as error:
        _stop(str(error), fmt, output, revisions)
    except ConfigError as error:
        _stop(f"invalid rules file\n{error}", fmt, output, revisions)
    return read, config, config_notices, revisions


class _Reading(threading.Thread):
    """`read` run on its own thread (mostly waiting on git); `result()` gives what it returned or raises what it raised."""

    def __init__(self, read: Callable[[], ChangeRead]) -> None:
        super().__init__(name="mockguard-read", daemon=True)
        self._read = read
        self._value: ChangeRead | None = None
        self._error: BaseException | None = None
        self.start()

    def run(self) -> None:
        try:
            self._value = self._read()
        except BaseException as error:  # handed to the caller, raised there
            self._error = error

    def result(self) -> ChangeRead:
        self.join()
        if self._error is not None:
            raise self._error
        assert self._value is not None
        return self._value


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def comparison(revisions: Revisions | None) -> Comparison | None:
    if revisions is None:
        return None
    return Comparison(
        base_given=revisions.base_given,
        base_ref=revisions.base_ref,
        base_commit=revisions.base_commit,
        merge_base=revisions.merge_base,
        head_given=revisions.head_given,
        head_commit=revisions.head_commit,
        head_state=revisions.head_state,
    )


def _pre_commit_comparison(repo: Path) -> tuple[str | None, str | None, bool]:
    """(base, head, staged) for the hook. pre-commit sets PRE_COMMIT_FROM_REF/TO_REF for
    `run --from-ref/--to-ref` and in the pre-push stage; `--all-files` marks nothing, so with
    nothing staged the working tree is compared with the default branch (never a silent pass)."""
    from_ref, to_ref = os.environ.get("PRE_COMMIT_FROM_REF"), os.environ.get("PRE_COMMIT_TO_REF")
    if from_ref or to_ref:
        if not (from_ref and to_ref):
            raise Stop("pre-commit set only one of PRE_COMMIT_FROM_REF and PRE_COMMIT_TO_REF")
        if set(from_ref) == {"0"}:  # pre-push of a new branch with no remote base: judge against the default branch
            return None, to_ref, False
        return from_ref, to_ref, False
    if repo.is_dir() and git_has_staged(repo):
        return None, None, True
    return None, None, False


def _write(text: str, output: Path | None) -> None:
    if output is None:
        click.echo(text)
        return
    try:
        output.write_text(text + "\n", encoding="utf-8")
    except OSError as error:
        click.echo(f"mockguard: cannot write {output}: {error.strerror}", err=True)
        sys.exit(EXIT_ERROR)


def _stop(message: str, fmt: str, output: Path | None, revisions: Revisions | None) -> NoReturn:
    """Exit 2, saying why on stderr and, for the machine formats, in the report itself."""
    click.echo(f"mockguard: {message}", err=True)
    document = render_error(message, fmt, tool_version=tool_version(), comparison=comparison(revisions))
    if document is not None:
        _write(document, output)
    sys.exit(EXIT_ERROR)


def _rules(repo: Path, revisions: Revisions, config_file: Path | None, objects: Objects) -> tuple[ConfigAnswers, list[Notice]]:
    """The rules that judge the change: the base revision's file (never the change's own copy,
    so a change cannot relax its own gate), or --config. A changed copy in the change is checked too.
    A base copy that does not load never locks the repository out: its newest earlier version that
    loads (or the defaults) judges, said on stderr and in the report (`choose_rules`)."""
    def base_file(path: str) -> str | None:  # the team's template files, read where the rules are
        return objects.text(revisions.base, path)

    if config_file is not None:
        try:
            text = config_file.read_text(encoding="utf-8")
        except OSError as error:
            raise GitError(f"cannot read {config_file}: {error.strerror}") from error
        return _load_config(text, str(config_file), read_file=base_file), []
    base_text = objects.text(revisions.base, RULES_FILE)
    choice = choose_rules(_rules_history(repo, revisions.base, base_text, objects))
    notices = choice.notices()
    if choice.broken is not None:
        click.echo(f"mockguard: {choice.headline()}\n{choice.broken}", err=True)
    head_view = _head_view(repo, revisions, objects)
    head_text = head_view(RULES_FILE)
    if head_text is not None and head_text != base_text:
        try:
            _load_config(head_text, RULES_FILE, read_file=head_view)
        except ConfigError as error:
            if choice.broken is None:
                raise  # a change that breaks a working rules file is refused now, not on the next change
            click.echo(f"mockguard: this change's copy of {RULES_FILE} does not load either:\n{error}", err=True)
            notices += [Notice(p.source, f"this change's copy does not load: {p.message}", line=p.line, level="warning")
                        for p in error.problems]
        else:
            notices.append(Notice(RULES_FILE, "this change edits the rules file; it was validated, and applies from the next change on"))
    return choice.config, notices


def _load_config(text: str, source: str, *, read_file: Callable[[str], str | None]) -> ConfigAnswers:
    from .engine.rulesfile.loader import load_config  # pydantic and the schema: only when a rules file is read

    return load_config(text, source, read_file=read_file)


def _rules_history(repo: Path, base: str, base_text: str | None, objects: Objects) -> Iterator[RulesVersion]:
    """The base's rules file, then its earlier versions newest first, read only as far as needed."""
    yield RulesVersion(base, base_text, functools.partial(objects.text, base))
    for commit in file_history(repo, base, RULES_FILE):
        yield RulesVersion(commit, objects.text(commit, RULES_FILE), functools.partial(objects.text, commit))


def _head_view(repo: Path, revisions: Revisions, objects: Objects) -> Callable[[str], str | None]:
    """The head side as a path -> text lookup: the --head commit, the index, or the working tree."""
    if revisions.head:
        head = revisions.head
        return lambda path: objects.text(head, path)
    if revisions.staged:
        return lambda path: objects.text("", path)  # ":path" is the index
    return lambda path: (repo / path).read_text(encoding="utf-8", errors="replace") if (repo / path).is_file() else None


@click.command()
@click.option("--repo", type=click.Path(file_okay=False, path_type=Path), default=".", show_default=True)
@click.option("--force", is_flag=True, help="Overwrite an existing rules file.")
def init(repo: Path, force: bool) -> None:
    """Write a commented starter rules file to .github/mockguard.yml."""
    from .engine.rulesfile.loader import starter_text

    target = repo / RULES_FILE
    if target.exists() and not force:
        fail(f"{target} exists; pass --force to overwrite it")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(starter_text(), encoding="utf-8")
    click.echo(f"wrote {target}: commit it, and mockguard reads it from your default branch")


@click.command()
def rules() -> None:
    """List every rule, by family."""
    for family, meaning in FAMILIES.items():
        docs = [doc for doc in RULES.values() if doc.id.startswith(family[:3])]
        click.echo(f"{family}  {meaning}" + ("" if docs else " (none yet)"))
        for doc in docs:
            click.echo(f"  {doc.id}  {doc.name:45}  {doc.summary}")


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
