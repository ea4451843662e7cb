"""From a change to a report: which files count, which sites are new, what to say about each."""

from __future__ import annotations

import ast
import contextlib
import functools
import gc
import io
import os
import re
import threading
import tokenize
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import libcst as cst

    from . import fallback, sites
else:
    # libcst and what is built on it load on first use: a change whose files the first looks
    # settle (or whose scans run in a scanner process, `scanner.py`) never imports them here.
    from .lazy import LazyModule, libcst as cst

    sites, fallback = LazyModule(f"{__package__}.sites"), LazyModule(f"{__package__}.fallback")

from .arrivals import ArrivalsPass
from .diff import source_lines
from .first_pass import Layout, code_has_trigger, code_only, constant_lines, line_has_trigger, module_constants, normalise_code
from .cannot_fail import CannotFailPass, CannotFailResult
from .categories import ADVICE, NOUNS, infer_category
from .rulesfile import ConfigAnswers, chosen_templates, default_config
from .origin import origin_of, origin_sentence
from .real_fixtures import with_suggestions
from .reduce import parse_cached
from .model import FileChange, Finding, ImportSite, Notice, Report, Site
from .names import is_mock_module, reexports
from .novelty import Sides, module_moved, moved_between_files, new_imports, new_sites, pair_retargets
from .policy import apply_policy
from .rules import BY_ID
from .scanner import ScannerGone, ScanProcess
from .suppressions import find_suppressions, suppression_for
from .templates import Template, TemplateError, adapt, builtin_template

MAX_FILE_BYTES = 2_000_000  # bigger "tests" are generated data, not code a person wrote
PARALLEL_FROM_FILES = 24  # below this a process pool costs more than it saves
# A scan allocates millions of small objects that live until the report is written (libcst
# nodes, ast trees, sites), and no cycles worth collecting: with CPython's default thresholds
# (700, 10, 10) the collector walks that whole heap again and again, a third of a big change's
# time (bench/bench_check.py, suite shape: 28 s -> 15 s on one worker). During an analysis only
# the young generation is collected (the older ones wait for 1,000 young collections, about 20
# million allocations); the thresholds are restored when the last analysis of the process ends.
ANALYSIS_GC_THRESHOLDS = (20_000, 1_000, 1_000)
_analyses_running = 0
_thresholds_before: tuple[int, int, int] | None = None
_gc_lock = threading.Lock()


@dataclass
class FileNovelty:
    """One file's new sites before they meet the rest of the change."""

    path: str
    fresh: list[Site] = field(default_factory=list)  # usage sites with no counterpart in this file
    fresh_imports: list[Site] = field(default_factory=list)  # imports of a library the base lacked
    leftover: list[Site] = field(default_factory=list)  # base sites on deleted lines left unpaired
    deleted_imports: list[str] = field(default_factory=list)  # libraries of imports on deleted lines
    base_scanned: bool = False  # False: leftover and deleted_imports are not known yet
    notices: list[Notice] = field(default_factory=list)
    mocks_before: int = 0  # mock sites in the whole base and head file (the debt line), when asked
    mocks_after: int = 0
    # The head's scan parsed; whether the rest of the head parses is left to the caller
    # (`find_new_sites(..., check_syntax=False)`: a worker leaves it to the parent, which parses
    # the head anyway for MG2xx and MG3xx).
    syntax_unchecked: bool = False


@dataclass
class FileResult:
    findings: list[Finding] = field(default_factory=list)
    suppressed: list[Finding] = field(default_factory=list)


def analyse(
    changes: Sequence[FileChange],
    config: ConfigAnswers | None = None,
    *,
    today: date | None = None,
    template_files: Mapping[str, str] | None = None,
    workers: int | None = None,
    tree: Callable[[str], str | None] | None = None,
    count_debt: bool = True,
    tests_that_cannot_fail: bool = True,
    scanner: ScanProcess | None = None,
    layouts: Mapping[str, Layout] | None = None,
) -> Report:
    """The report for a change: new mock sites in integration/e2e test files, after the rules file.

    `changes` may hold every Python file of the change: only integration/e2e tests are reported
    on, the others serve to recognise mocks that moved between files. `tree` is a read-only view
    of the head tree (path -> text, None when absent) through which fixtures and helpers are
    followed (MG2xx); without it only the change's own files are read. `template_files` (path ->
    text) defaults to the team templates the rules file's loader read; a named template that is
    absent or does not parse raises `ConfigError`, never falls back silently. `scanner`: a
    process started early (`ScanProcess.start()`) that scans the files a small change's first
    looks leave, so this process never waits for libcst's import. `layouts`: first looks of head
    texts taken ahead (path -> `Layout`; one whose text is not the change's head is not used).
    """
    with fewer_collections():
        return _analyse(changes, config, today=today, template_files=template_files, workers=workers, tree=tree,
                        count_debt=count_debt, tests_that_cannot_fail=tests_that_cannot_fail, scanner=scanner, ahead=layouts or {})


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    """The cyclic collector at `ANALYSIS_GC_THRESHOLDS` while any analysis of the process runs
    (the App runs several in threads: the last to end restores the thresholds)."""
    global _analyses_running, _thresholds_before
    with _gc_lock:
        if _analyses_running == 0:
            _thresholds_before = gc.get_threshold()
            gc.set_threshold(*ANALYSIS_GC_THRESHOLDS)
        _analyses_running += 1
    try:
        yield
    finally:
        with _gc_lock:
            _analyses_running -= 1
            if _analyses_running == 0 and _thresholds_before is not None:
                gc.set_threshold(*_thresholds_before)


def _worker_started() -> None:
    gc.set_threshold(*ANALYSIS_GC_THRESHOLDS)


def _analyse(
    changes: Sequence[FileChange],
    config: ConfigAnswers | None,
    *,
    today: date | None,
    template_files: Mapping[str, str] | None,
    workers: int | None,
    tree: Callable[[str], str | None] | None,
    count_debt: bool,
    tests_that_cannot_fail: bool,
    scanner: ScanProcess | None,
    ahead: Mapping[str, Layout],
) -> Report:
    config = config or default_config()
    gated = config.is_integration_test
    selected = [_entering_the_gate(c, gated) for c in changes if c.head_text is not None and gated(c.path)]
    workers = workers if workers is not None else min(2, os.cpu_count() or 1)
    # The debt line's whole-file counts are taken in the same pass (and process) as the new sites:
    # a new file's head scan is its count, and the work is shared between the workers.
    per_file = functools.partial(find_new_sites, count_debt=count_debt)
    reexported = _reexports(selected, tree)
    # Files whose code names no mock (the marker added to every test of a big change) are settled
    # here with one regular expression; only the others are worth a worker process.
    # Each head's first looks, read once for the families (or ahead, while git read the change).
    layouts = {
        c.path: ahead[c.path] if c.path in ahead and ahead[c.path].text == c.head_text else Layout(c.head_text)
        for c in selected if c.head_text is not None
    }
    quiet = [_quiet(change, found, layouts.get(change.path)) for change, found in zip(selected, reexported)]
    busy = [(change, found) for change, found, still in zip(selected, reexported, quiet) if not still]
    templates = chosen_templates(config, template_files)  # a named template that is missing raises
    # MG3xx (tests that cannot fail; the audit, which counts mocks only, does not ask) and MG2xx
    # (mocks that arrive through fixtures, helpers and hand-rolled patches, bot/engine/arrivals)
    # read each file right after its mock-library scan, so the three share one `ast` parse
    # (`reduce.parse_cached`); with worker processes they read in this one meanwhile.
    cannot = CannotFailPass(selected) if tests_that_cannot_fail else None
    arriving = ArrivalsPass(changes, selected, config, tree)

    syntax: dict[str, tuple[int | None, str] | None] = {}  # with workers: the heads they scan, checked here

    def read_in_this_process(change: FileChange, scanned_elsewhere: bool = False) -> None:
        if cannot is not None:
            cannot.read(change, layouts.get(change.path))
        arriving.read(change, layouts.get(change.path))
        if scanned_elsewhere:  # right after MG2xx and MG3xx, whose parse of the head is at hand
            syntax[change.path] = _syntax_error(change.head_text or "")

    def read_all() -> None:
        for change, still in zip(selected, quiet):
            read_in_this_process(change, scanned_elsewhere=not still)

    parallel = workers > 1 and len(busy) >= PARALLEL_FROM_FILES
    scanned: Iterator[FileNovelty] | None = None
    read_already = False
    if scanner is not None and busy and not parallel:
        # The scanner (started before the change was read: libcst imported meanwhile) scans the
        # few files the first looks left, while this process reads every file for MG2xx and MG3xx.
        if shared := _sent(scanner, busy, count_debt):
            read_all()
            read_already = True
            scanned = iter([_with_syntax_notice(n, syntax) for n in _received(scanner, shared, per_file)])
    elif parallel:
        from concurrent.futures import ProcessPoolExecutor  # (multiprocessing: only for big changes)

        # The scanner, libcst imported already, takes the first half; pool processes (which import
        # libcst first) the rest. Without a scanner the pool takes them all.
        shared = _sent(scanner, busy[: (len(busy) + 1) // 2], count_debt) if scanner is not None else []
        rest = busy[len(shared):]
        with ProcessPoolExecutor(max_workers=max(1, workers - (1 if shared else 0)), initializer=_worker_started) as pool:
            worker_scan = functools.partial(find_new_sites, count_debt=count_debt, check_syntax=False)
            pending = pool.map(worker_scan, [c for c, _ in rest], [f for _, f in rest], chunksize=8)
            read_all()
            read_already = True
            first = _received(scanner, shared, per_file) if shared and scanner is not None else []
            # (a file the scanner was gone for was scanned here, its syntax checked: no second notice)
            scanned = iter([_with_syntax_notice(n, syntax) for n in (*first, *pending)])
    if scanned is None:
        scanned = (per_file(change, found) for change, found in busy)
    novelties = []
    for change, still in zip(selected, quiet):
        novelties.append(_quiet_file(change, count_debt, layouts.get(change.path)) if still else next(scanned))
        if not read_already:
            read_in_this_process(change)
    if any(n.fresh or n.fresh_imports for n in novelties):
        novelties = _pair_moves(novelties, selected, changes, gated)
    if any(n.fresh and n.leftover for n in novelties):
        novelties = _pair_module_moves(novelties, changes, tree)

    texts = {c.path: c.head_text or "" for c in selected}
    results = [report_file(n, texts[n.path], templates) for n in novelties]
    cannot_fail = cannot.finish(changes, templates) if cannot is not None else CannotFailResult([], [])
    arrived = arriving.finish([f for r in results for f in r.findings], templates)
    judged = [with_origin(f, tree) for f in (*arrived.findings, *cannot_fail.findings)]
    named: dict[str, str] = {category: choice.fixture for category, choice in config.suggest.items()}
    judged = with_suggestions(judged, [c.path for c in selected], _with_texts(tree, texts), named,
                              lambda path: layouts[path].words if path in layouts else None)
    policy = apply_policy(judged, config, today=today or date.today())
    return Report(
        findings=tuple(policy.findings),
        suppressed=tuple(f for r in results for f in r.suppressed) + tuple(arrived.suppressed) + tuple(cannot_fail.suppressed),
        tolerated=tuple(arrived.tolerated) + tuple(policy.tolerated),
        notices=_one_notice_per_file([x for n in novelties for x in n.notices]) + tuple(arrived.notices) + tuple(policy.notices),
        files_checked=tuple(c.path for c in selected),
        fail_on=config.fail_on,
        # (the audit, which reads every line anyway, asks not to count twice)
        mocks_before=sum(n.mocks_before for n in novelties) if count_debt else None,
        mocks_after=sum(n.mocks_after for n in novelties) if count_debt else None,
    )


def _sent(scanner: ScanProcess, work: Sequence[tuple[FileChange, Mapping[tuple[str, str], str]]], count_debt: bool) -> Sequence[tuple[FileChange, Mapping[tuple[str, str], str]]]:
    """`work` when the scanner took it, else nothing (the scanner is gone)."""
    try:
        scanner.send(work, count_debt=count_debt)
    except ScannerGone:
        return []
    return work


def _received(scanner: ScanProcess, given: Sequence[tuple[FileChange, Mapping[tuple[str, str], str]]],
              scan_here: Callable[[FileChange, Mapping[tuple[str, str], str]], FileNovelty]) -> list[FileNovelty]:
    """The scanner's answer for what it was `given`; scanned in this process when it is gone."""
    try:
        return scanner.receive()
    except ScannerGone:
        return [scan_here(change, found) for change, found in given]


def _with_syntax_notice(novelty: FileNovelty, syntax: Mapping[str, tuple[int | None, str] | None]) -> FileNovelty:
    """The notice `_scan` gives a head that does not parse outside the statements scanned, for a
    scan that left the check to this process (first: the head's scan comes before the base's)."""
    problem = syntax.get(novelty.path) if novelty.syntax_unchecked else None
    if problem is not None:
        novelty.notices.insert(0, _unparsed_head(novelty.path, problem))
    novelty.syntax_unchecked = False
    return novelty


def _quiet(change: FileChange, reexported: Mapping[tuple[str, str], str], layout: Layout | None = None) -> bool:
    """The first look of `find_new_sites`: a head that is parsed (not oversized) and whose code
    (strings and comments aside) names no mock, through no re-exported name either. `layout`: the
    head's, shared with the other families' first looks."""
    head = change.head_text
    if head is None or len(head) > MAX_FILE_BYTES or any(is_mock_module(q) for q in reexported.values()):
        return False
    return not (layout if layout is not None else Layout(head)).names_a_mock


def _quiet_file(change: FileChange, count_debt: bool, layout: Layout | None = None) -> FileNovelty:
    """What `find_new_sites` gives a quiet file: nothing new, no mock in the head."""
    before = count_mocks(change.base_path or change.path, change.base_text) if count_debt and not _quiet_base(change, layout) else 0
    return FileNovelty(change.path, mocks_before=before, mocks_after=0)


_STRING_OR_COMMENT_CHARS = re.compile(r"""['"#\\]""")


def _quiet_base(change: FileChange, layout: Layout | None = None) -> bool:
    """Whether the base of a quiet head is quiet too, without reading it: the change only adds
    lines, and none of them holds a quote, `#` or backslash, so removing them changes no string or
    comment around them; the base's blanked code is then the head's without those lines, which
    name no mock (a marker added to every test file of a big change)."""
    head = change.head_text
    if change.deleted_lines or change.base_text is None or head is None or change.base_path not in (None, change.path):
        return False
    layout = layout if layout is not None else Layout(head)
    count = len(layout.code_lines)  # (as many as the text's lines)
    return all(0 < n <= count and not _STRING_OR_COMMENT_CHARS.search(layout.segment(n - 1, n)) for n in change.added_lines)


def _with_texts(tree: Callable[[str], str | None] | None, texts: Mapping[str, str]) -> Callable[[str], str | None] | None:
    """The head tree, answering the change's own files from memory (they are its head versions)
    instead of reading each one again."""
    if tree is None:
        return None
    return lambda path: texts[path] if path in texts else tree(path)


def with_origin(finding: Finding, tree: Callable[[str], str | None] | None) -> Finding:
    """The finding with whose code its target is (own, stdlib, third-party), said in its message."""
    origin = origin_of(finding.target, tree)
    if origin is None:
        return finding
    return replace(finding, origin=origin, message=f"{finding.message} {origin_sentence(origin, finding.target)}")


def count_mocks(path: str, text: str | None, counts: sites.ChunkCounts | None = None) -> int:
    """Mock sites in a whole file (for "mocks in the files this change touches: 41 -> 38"): the
    sites of a scan of every line. The first pass makes a file without a mock word in its code
    cost one regular expression; `counts` (shared by the scans and counts of one file's two
    sides) makes an unchanged statement cost one parse for both."""
    if not text or len(text) > MAX_FILE_BYTES:
        return 0
    try:
        return sites.count_sites(text, counts)  # (a file whose code has no mock word costs one regular expression)
    except (sites.ChunkParseError, RecursionError, MemoryError):  # as `_scan` does: read from tokens
        return len(fallback.scan_tokens(text, frozenset(range(1, len(source_lines(text)) + 1))).sites)


def _entering_the_gate(change: FileChange, gated: Callable[[str], bool]) -> FileChange:
    """A file renamed into the gate from a path it does not cover (a unit test moved to
    tests/integration/) brings every mock it holds into the integration suite: all of it is new."""
    if change.base_text is None or not change.base_path or change.base_path == change.path or gated(change.base_path):
        return change
    lines = frozenset(range(1, len(source_lines(change.head_text or "")) + 1))
    return FileChange(change.path, None, None, change.head_text, lines, frozenset(), status="added")


def _pair_moves(novelties: list[FileNovelty], selected: Sequence[FileChange], changes: Sequence[FileChange], gated: Callable[[str], bool]) -> list[FileNovelty]:
    """Take out the new sites that moved in from another gated file of the change (a mock that
    arrives from a file the gate does not cover enters the integration suite: it is new). Another
    file's deleted side is parsed only when a deleted line of it reads like a new site's line,
    names a new site's target (or holds a new import)."""
    fresh_lines = {
        lines[site.line - 1].strip()
        for novelty, change in zip(novelties, selected)
        if novelty.fresh
        for lines in [source_lines(change.head_text or "")]
        for site in novelty.fresh
    }
    targets = {site.target for novelty in novelties for site in novelty.fresh if site.target and len(site.target) > 3}
    importing = any(n.fresh_imports for n in novelties)

    def may_hold_a_move(change: FileChange) -> bool:
        if change.base_text is None or not change.deleted_lines:
            return False
        lines = source_lines(change.base_text)
        deleted = {lines[n - 1].strip() for n in change.deleted_lines if 0 < n <= len(lines)}
        return (
            bool(deleted & fresh_lines)
            or any(target in line for line in deleted for target in targets)
            or (importing and any("import" in line and line_has_trigger(line) for line in deleted))
        )

    chosen = {id(c) for c in selected}
    others = [deleted_side(c) for c in changes if id(c) not in chosen and gated(c.base_path or c.path) and may_hold_a_move(c)]
    # A selected file that needed no base scan for itself may still be where a mock moved from.
    novelties = [
        replace(deleted_side(c), path=n.path, notices=n.notices) if not n.base_scanned and may_hold_a_move(c) else n
        for n, c in zip(novelties, selected)
    ]
    return pair_across_files(novelties, others)


def _pair_module_moves(novelties: list[FileNovelty], changes: Sequence[FileChange], tree: Callable[[str], str | None] | None) -> list[FileNovelty]:
    """Pair a patch whose target only followed its module to a new path with the old patch: the
    change renames the module, or the head tree has the new module and no longer the old one."""
    renamed = [
        (_dotted(c.base_path), _dotted(c.path))
        for c in changes
        if c.base_path and c.base_path != c.path and c.path.endswith(".py") and c.base_path.endswith(".py")
    ]
    paired = []
    for novelty in novelties:
        if not (novelty.fresh and novelty.leftover):
            paired.append(novelty)
            continue
        exists = _module_lookup(novelty.path, tree) if tree is not None else None
        defined = _definition_lookup(novelty.path, tree) if tree is not None else None
        fresh, leftover = pair_retargets(
            novelty.fresh, novelty.leftover, lambda old, new: module_moved(old, new, renamed, exists, defined)
        )
        paired.append(replace(novelty, fresh=fresh, leftover=leftover))
    return paired


def _dotted(path: str) -> str:
    stem = path[: -len(".py")]
    return stem[: -len("/__init__")].replace("/", ".") if stem.endswith("/__init__") else stem.replace("/", ".")


def _module_lookup(path: str, tree: Callable[[str], str | None]) -> Callable[[str], bool]:
    """Whether a dotted module is in the head tree, from any folder above the test (one is the
    import root: `sdk/python/` for `sdk/python/tests/...`)."""
    folders = path.split("/")[:-1]
    roots = ["/".join(folders[:n]) for n in range(len(folders), -1, -1)]

    def exists(module: str) -> bool:
        stem = module.replace(".", "/")
        return any(
            tree(f"{root}/{stem}{suffix}" if root else f"{stem}{suffix}") is not None for root in roots for suffix in (".py", "/__init__.py")
        )

    return exists


def _definition_lookup(path: str, tree: Callable[[str], str | None]) -> Callable[[str], bool]:
    """Whether a dotted name is an object a module of the head tree still defines (`app.runner.Runner`:
    `app/runner.py` binds `Runner`), read as text: a class, function, assignment or import of it."""
    folders = path.split("/")[:-1]
    roots = ["/".join(folders[:n]) for n in range(len(folders), -1, -1)]

    def defined(dotted: str) -> bool:
        parts = dotted.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            stem = "/".join(parts[:cut])
            for root in roots:
                for suffix in (".py", "/__init__.py"):
                    text = tree(f"{root}/{stem}{suffix}" if root else f"{stem}{suffix}")
                    if text is not None:
                        return _binds(text, parts[cut])
        return False

    return defined


def _binds(text: str, name: str) -> bool:
    word = re.escape(name)
    return re.search(rf"^\s*(?:async\s+def|def|class)\s+{word}\b|^{word}\s*[:=]|^\s*(?:from\s+\S+\s+)?import\b[^#\n]*\b{word}\b", text, re.M) is not None


def _reexports(selected: Sequence[FileChange], tree: Callable[[str], str | None] | None) -> list[dict[tuple[str, str], str]]:
    """What the project's own modules imported by each file re-export (read in the head tree)."""
    if tree is None:
        return [{} for _ in selected]
    return [reexports(c.path, c.head_text or "", tree) for c in selected]


def find_new_sites(change: FileChange, reexported: Mapping[tuple[str, str], str] | None = None, *, count_debt: bool = False, check_syntax: bool = True) -> FileNovelty:
    """The sites on the file's added lines that have no counterpart among its deleted ones (and,
    with `count_debt`, the whole base and head files' mock counts)."""
    # The whole-file counts share their chunks' visits with each other and with the change's
    # own scans: an unchanged statement is parsed once, not once per side.
    counts = sites.ChunkCounts() if count_debt else None
    novelty = _find_new_sites(change, reexported, counts, check_syntax)
    if count_debt:
        novelty.mocks_before = count_mocks(change.base_path or change.path, change.base_text, counts)
        if novelty.mocks_after < 0:
            novelty.mocks_after = count_mocks(change.path, change.head_text, counts)
    else:
        novelty.mocks_after = 0
    return novelty


def _find_new_sites(change: FileChange, reexported: Mapping[tuple[str, str], str] | None, counts: sites.ChunkCounts | None = None, check_syntax: bool = True) -> FileNovelty:
    novelty = FileNovelty(change.path, mocks_after=-1)  # -1: the head's count is not known yet
    head = change.head_text
    if head is None or not change.added_lines:
        return novelty
    oversized = len(head) > MAX_FILE_BYTES
    if oversized:
        novelty.notices.append(
            Notice(change.path, f"{len(head)} bytes is over mockguard's {MAX_FILE_BYTES}-byte limit for parsing a test file: only its imports and the lines the change adds were read, one statement at a time", level="warning")
        )
    head_lines = source_lines(head)
    added = frozenset(n for n in change.added_lines if 0 < n <= len(head_lines))
    # A cheap look before any parsing: no mock word in the code (strings and comments aside), no
    # new mock. (A single added line may hold none: an edit inside a multi-line call, or a name
    # imported under an alias; a project module may re-export a mocking name under another.)
    if not code_has_trigger(code_only(head)) and not any(is_mock_module(q) for q in (reexported or {}).values()):
        novelty.mocks_after = 0  # count_mocks makes the same first look
        return novelty

    head_scan = _scan(change.path, head, added, novelty.notices, side="head", reexported=reexported, whole=not oversized, counts=counts, check_syntax=check_syntax)
    novelty.syntax_unchecked = head_scan.syntax_unchecked
    if not oversized and not reexported and len(added) == len(head_lines):
        novelty.mocks_after = len(head_scan.sites)  # every line wanted, as count_mocks asks: the same scan
    added_imports = [i for i in head_scan.imports if i.line in added]
    retargeted = [] if oversized else _retargeted_constants(change, added, head_lines, reexported)
    if not head_scan.sites and not added_imports:
        novelty.fresh = retargeted
        return novelty

    base_scan = sites.FileScan()
    # Only deleted lines can hold a counterpart; base imports matter only for added imports.
    if change.base_text is not None and (change.deleted_lines or added_imports):
        base_scan = _scan(change.base_path or change.path, change.base_text, change.deleted_lines, novelty.notices, side="base", reexported=reexported, whole=not oversized, counts=counts)
    base_lines = source_lines(change.base_text or "")
    sides = Sides(added, frozenset(change.deleted_lines), head_lines, base_lines)
    fresh, novelty.leftover = new_sites(head_scan.sites, base_scan.sites, sides)
    novelty.fresh = [_on_added_line(site, added, head_lines) for site in fresh] + retargeted
    novelty.deleted_imports = [i.library for i in base_scan.imports if i.line in change.deleted_lines]
    novelty.base_scanned = True  # whatever the base gave up is known now (nothing, without deleted lines)
    # An import next to added uses (new or moved in) only repeats them, or comes along with them.
    if added_imports and not head_scan.sites:
        base_names = _names_used(change.base_text or "", {n for i in added_imports for n in i.names})
        novelty.fresh_imports = [_import_site(i, head_lines) for i in new_imports(added_imports, base_scan.imports, base_names)]
    return novelty


def _retargeted_constants(change: FileChange, added: frozenset[int], head_lines: list[str],
                          reexported: Mapping[tuple[str, str], str] | None) -> list[Site]:
    """A module-level string constant whose value the change edits retargets every patch that uses
    it (`TARGET = "app.db.engine"` becoming `"app.cache.engine"`): a new site on the constant's line."""
    head = change.head_text or ""
    if change.base_text is None or not any(_STRING_ASSIGNMENT.match(head_lines[n - 1]) for n in added):
        return []
    before = module_constants(change.base_text)
    found = []
    for name, (line, value) in constant_lines(head).items():
        if line not in added or before.get(name, value) == value:
            continue
        uses = frozenset(n for n, text in enumerate(head_lines, 1) if n != line and re.search(rf"\b{re.escape(name)}\b", text))
        try:
            matched = [s for s in sites.scan(head, uses, reexported).sites if s.target == value]
        except sites.ChunkParseError:
            continue
        if matched:
            first = matched[0]
            found.append(
                replace(
                    first,
                    line=line,
                    column=1,
                    end_line=line,
                    exact_key=normalise_code(head_lines[line - 1]),
                    component_key=f"constant:{name}={value}",
                    enclosing_test=None,
                    scope=None,
                    scope_lines=None,
                )
            )
    return found


_STRING_ASSIGNMENT = re.compile(r"^[A-Za-z_]\w*[ \t]*(?::[^=]+)?=[ \t]*[rRuU]?['\"]")


def _on_added_line(site: Site, added: frozenset[int], head_lines: list[str]) -> Site:
    """A multi-line call changed only inside (say, retargeted) is reported on its first added line:
    a finding stands on a line the change adds."""
    inside = [n for n in range(site.line, site.end_line + 1) if n in added]
    if site.line in added or not inside:
        return site
    line = min(inside)
    text = head_lines[line - 1]
    return replace(site, line=line, column=len(text) - len(text.lstrip()) + 1)


def deleted_side(change: FileChange) -> FileNovelty:
    """What a file that is not reported on gives up: its mock sites and imports on deleted lines."""
    side = FileNovelty(change.base_path or change.path, base_scanned=True)
    text = change.base_text or ""
    base_lines = source_lines(text)
    if not any(line_has_trigger(base_lines[n - 1]) for n in change.deleted_lines if 0 < n <= len(base_lines)):
        return side
    scanned = _scan(side.path, text, change.deleted_lines, [], side="base")
    side.leftover = scanned.sites
    side.deleted_imports = [i.library for i in scanned.imports if i.line in change.deleted_lines]
    return side


def pair_across_files(novelties: list[FileNovelty], others: list[FileNovelty]) -> list[FileNovelty]:
    """Sites and imports that moved from one file of the change to another are not new."""
    paired = []
    for index, novelty in enumerate(novelties):
        if not novelty.fresh and not novelty.fresh_imports:
            paired.append(novelty)  # nothing new here: nothing to pair (and no quadratic walk on big changes)
            continue
        rest = [*novelties[:index], *novelties[index + 1 :], *others]
        pool = [site for other in rest for site in other.leftover]
        fresh, _ = moved_between_files(novelty.fresh, pool)
        libraries = {library for other in rest for library in other.deleted_imports}
        fresh_imports = [i for i in novelty.fresh_imports if i.library not in libraries]
        paired.append(replace(novelty, fresh=fresh, fresh_imports=fresh_imports))
    return paired


def report_file(novelty: FileNovelty, head: str, templates: Mapping[str, Template]) -> FileResult:
    """Findings for one file's new sites; an import only when no use of it is new."""
    result = FileResult()
    sites = novelty.fresh or novelty.fresh_imports
    if not sites:
        return result
    head_lines = source_lines(head)
    suppressions = find_suppressions(head, {line for s in sites for line in range(s.line - 1, max(s.end_line, s.line) + 1)})
    for site in sites:
        finding = _finding(novelty.path, site, head_lines, templates)
        suppression = suppression_for(site.line, suppressions, head_lines, end_line=site.end_line)
        if suppression is None:
            result.findings.append(finding)
        elif suppression.reason:
            result.suppressed.append(replace(finding, reason=suppression.reason))
        else:
            result.findings.append(finding)
            result.findings.append(_reasonless_suppression(novelty.path, site, suppression.line, head_lines))
    return result


def _scan(path: str, text: str, wanted: frozenset[int], notices: list[Notice], *, side: str, reexported: Mapping[tuple[str, str], str] | None = None, whole: bool = True, counts: sites.ChunkCounts | None = None, check_syntax: bool = True) -> sites.FileScan:
    if not whole:  # too big to parse: the wanted lines one by one, as for a file that does not parse
        return fallback.scan_tokens(text, wanted)
    try:
        scanned = sites.scan(text, wanted, reexported, counts=counts)
    except sites.ChunkParseError as error:
        where = f" (line {error.line})" if error.line else ""
        notices.append(
            Notice(path, f"the {side} version does not parse as Python{where}: {error}; its mock sites were read from tokens", line=error.line if side == "head" else None)
        )
        return fallback.scan_tokens(text, wanted)
    except (RecursionError, MemoryError) as error:
        notices.append(Notice(path, f"the {side} version is too deeply nested to parse ({type(error).__name__}); its mock sites were read from tokens"))
        return fallback.scan_tokens(text, wanted)
    # Only the parts around the change were parsed. For the head, which its author can still fix,
    # CPython's parser tells cheaply whether the rest parses; a base broken elsewhere changes nothing.
    if side == "head" and not check_syntax:
        scanned.syntax_unchecked = True
        return scanned
    problem = _syntax_error(text) if side == "head" else None
    if problem is not None:
        notices.append(_unparsed_head(path, problem))
    return scanned


def _unparsed_head(path: str, problem: tuple[int | None, str]) -> Notice:
    line, message = problem
    return Notice(path, f"the head version does not parse as Python (line {line}: {message}); the statements around the change parse and were checked", line=line)


def _syntax_error(text: str) -> tuple[int | None, str] | None:
    """A syntax error of the file, or None. CPython's parser is the cheap first look, but it only
    knows the running interpreter's grammar: what it rejects is a syntax error only when libcst
    (which reads newer syntax too: PEP 695 type parameters, PEP 701 f-strings) rejects it as well."""
    if parse_cached(text) is not None:  # the whole head, once (the scan reads only its chunks)
        return None
    try:
        compile(text, "<test file>", "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as error:
        found: tuple[int | None, str] = (error.lineno, error.msg)
    except (ValueError, RecursionError, MemoryError) as error:
        found = (None, type(error).__name__)
    else:
        return None
    try:
        cst.parse_module(text)
    except cst.ParserSyntaxError:
        return found
    except (RecursionError, MemoryError):
        return found
    return None


def _one_notice_per_file(notices: Sequence[Notice]) -> tuple[Notice, ...]:
    """A file's notices in one: its reasons joined, the gravest level, the first line given."""
    by_path: dict[str | None, list[Notice]] = {}
    for notice in notices:
        by_path.setdefault(notice.path, []).append(notice)
    merged = []
    for path, group in by_path.items():
        if len(group) == 1:
            merged.append(group[0])
            continue
        messages = list(dict.fromkeys(n.message for n in group))
        level = "warning" if any(n.level == "warning" for n in group) else group[0].level
        line = next((n.line for n in group if n.line is not None), None)
        merged.append(Notice(path, "; ".join(messages), line=line, level=level))
    return tuple(merged)


def _names_used(base_text: str, names: set[str]) -> set[str]:
    """Which of `names` the base already uses as code (an import that repairs that use is not new)."""
    used: set[str] = set()
    if not names or not base_text:
        return used
    try:
        for token in tokenize.generate_tokens(io.StringIO(base_text).readline):
            if token.type == tokenize.NAME and token.string in names:
                used.add(token.string)
    except (tokenize.TokenError, SyntaxError, IndentationError):
        used.update(n for n in names if n in base_text)
    return used


def _import_site(site: ImportSite, head_lines: list[str]) -> Site:
    line_text = head_lines[site.line - 1]
    return Site(
        rule="MG109",
        construct="import",
        line=site.line,
        column=len(line_text) - len(line_text.lstrip()) + 1,
        end_line=site.line,
        target=site.library,
        library=site.library,
        exact_key=site.exact_key,
        component_key=f"import:{site.library}",
    )


def _finding(path: str, site: Site, head_lines: list[str], templates: Mapping[str, Template]) -> Finding:
    category = infer_category(site)
    template = templates.get(category) or builtin_template(category)
    try:
        snippet = adapt(template, test_name=site.enclosing_test, target=site.target)
    except TemplateError:
        snippet = None
    return Finding.at_site(path, site, head_lines, category=category, template=snippet,
                           message=_message(site, category, _kind_of_test(path)))


def _kind_of_test(path: str) -> str:
    folders = path.lower().split("/")[:-1]
    return "an end-to-end test" if any("e2e" in folder for folder in folders) else "an integration test"


def _message(site: Site, category: str, kind: str) -> str:
    # What was mocked, where, and the one-line fix; an advice may carry its own "instead".
    advice = ADVICE[category]
    return BY_ID[site.rule].message.format(
        mocked=f"`{site.construct}` of `{site.target}`" if site.target else f"`{site.construct}`",
        noun=NOUNS[category],
        kind=kind,
        advice=advice,
        fix=advice if " instead" in advice else f"{advice} instead",
        library=site.library,
        target=site.target,
        name=site.hints[0] if site.hints else "A name",
    )


def _reasonless_suppression(path: str, site: Site, comment_line: int, head_lines: list[str]) -> Finding:
    return Finding(
        path=path,
        line=comment_line,
        column=head_lines[comment_line - 1].find("#") + 1,
        end_line=comment_line,
        construct="suppression",
        target=None,
        category=infer_category(site),
        rule="MG110",
        severity="error",
        message="`# mockguard: allow` needs a reason after it (`# mockguard: allow <why this mock is acceptable>`); the mock stays reported until it has one.",
        template=None,
        code=head_lines[comment_line - 1].strip(),
    )
