#!/usr/bin/env python3
"""Mine real history for what `mockguard check` misses or wrongly flags on whole commits.

For each commit (no merges) that changes mock-looking lines in files the default path rule could
gate, it runs `mockguard check --repo MIRROR --base PARENT --head COMMIT --format json` (the commit
as a pull request shows it) and lists, for a human to judge:

- **miss?** an added line of a checked (gated) file holding a mock-like word in code (not in a
  comment or a string) with no finding, tolerated entry or suppression on its statement, and whose
  text the commit does not also delete somewhere (a deleted twin means a move: listed as `moved`
  in the counts, not as a candidate);
- **false alarm?** a finding whose line's text, or whose target, the commit also deletes (the mock
  already existed in the parent: moved, re-indented, re-wrapped or edited in place);
- **trouble**: exit status 2, a crash, a timeout, and every notice.

It knows nothing about any particular repository: the commits are chosen by `git log -G` on the
mock words and path globs below, and everything else comes from mockguard's report and `git diff`.

    .venv/bin/python bench/mine_commits.py --mirror /work/.mirror/OWNER+NAME/repo --limit 300 \\
        --out /tmp/mine-NAME.json

prints a summary line and writes every candidate (commit, path, line, code, kind) to `--out`.
`--commits SHA,SHA` re-runs chosen commits (after a fix, to see a candidate go away); `--mockguard
CMD` runs another build (an older checkout, for a before/after comparison on the same commits).
"""

from __future__ import annotations

import argparse
import io
import json
import re
import subprocess
import sys
import tokenize
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

MOCKGUARD = Path(sys.executable).parent / "mockguard"

# Words that usually mean a mock is built or installed; judged by a human afterwards, so broad.
MOCK_WORDS = re.compile(
    r"\b(patch|Mock|MagicMock|AsyncMock|NonCallableMock|PropertyMock|create_autospec|mock_open|"
    r"mocker|monkeypatch|MonkeyPatch|respx|respx_mock|responses|requests_mock|httpx_mock|"
    r"aioresponses|httpretty|MockTransport|Stubber|freezer|freeze_time|freezegun|time_machine|"
    r"mock_aws|mock_\w+|moto|mock|fakeredis|mongomock|patchfs)\b"
)
# `git log -G` picks commits whose diff adds or removes such a word.
LOG_PATTERN = r"patch|Mock|mocker|monkeypatch|respx|responses|requests_mock|httpx_mock|freez|moto|Stubber"
# Path globs for folders the default path rule may gate (the tool's own list of checked files decides).
PATHSPECS = [
    ":(glob)**/*integration*/**/*.py",
    ":(glob)**/*e2e*/**/*.py",
    ":(glob)*integration*/**/*.py",
    ":(glob)*e2e*/**/*.py",
]


@dataclass
class Candidate:
    commit: str
    path: str
    line: int
    kind: str  # "miss?" | "false-alarm?" | "trouble"
    code: str
    detail: str = ""


@dataclass
class Totals:
    commits: int = 0
    with_findings: int = 0
    exit2: int = 0
    crashes: int = 0
    mock_lines: int = 0
    covered: int = 0
    moved: int = 0
    candidates: dict[str, int] = field(default_factory=dict)


def git(mirror: str, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", mirror, *args], capture_output=True, text=True, check=True, errors="replace"
    ).stdout


def pick_commits(mirror: str, limit: int, skip: int) -> list[str]:
    out = git(mirror, "log", "--no-merges", "--format=%H", f"-n{limit + skip}", f"-G{LOG_PATTERN}", "--", *PATHSPECS)
    return out.split()[skip:]


CLASS_WORDS = {"Mock", "MagicMock", "AsyncMock", "NonCallableMock", "PropertyMock", "MonkeyPatch", "MockTransport",
               "Stubber"}
MOCK_ATTRIBUTES = {"patch", "Mock", "MagicMock", "AsyncMock", "NonCallableMock", "PropertyMock", "create_autospec",
                   "mock_open", "sentinel"}
FIXTURE_WORDS = {"freezer"}  # requesting the fixture is the site


def code_words(line: str) -> set[str]:
    """Mock words of a line's code that build, install or reach a mock: a call, an attribute
    (`mocker.patch`), a decorator or a mock class named anywhere; not a plain parameter
    (`def test(mocker)`), not a configured mock variable (`mock_client.return_value`), not comments
    or strings (a lone line, so tokenized loosely)."""
    words: set[str] = set()
    try:
        tokens = [t for t in tokenize.generate_tokens(io.StringIO(line.strip() + "\n").readline)
                  if t.type in (tokenize.NAME, tokenize.OP)]
    except (tokenize.TokenError, IndentationError, SyntaxError):
        stripped = re.sub(r"#.*$|\"[^\"]*\"|'[^']*'", "", line)
        return {m.group(0) for m in MOCK_WORDS.finditer(stripped) if not m.group(0).startswith("mock_")}
    if tokens and tokens[0].string in ("import", "from"):
        return {t.string for t in tokens if t.type == tokenize.NAME and MOCK_WORDS.fullmatch(t.string)}
    if tokens and tokens[0].string in ("def", "async", "class"):
        # a signature: only a fixture whose request is the site; a mock base class is no site
        # (instantiating the class is)
        return {t.string for t in tokens if t.string in FIXTURE_WORDS}
    for at, tok in enumerate(tokens):
        if tok.type != tokenize.NAME or not MOCK_WORDS.fullmatch(tok.string):
            continue
        before = tokens[at - 1].string if at else ""
        after = tokens[at + 1].string if at + 1 < len(tokens) else ""
        if tok.string in FIXTURE_WORDS:
            words.add(tok.string)
        elif tok.string in CLASS_WORDS:
            # not an annotation (`mp: pytest.MonkeyPatch`, `client: MagicMock`, `-> AsyncMock`)
            annotation = before in (":", "->", "[") or (before == "." and after not in ("(", "."))
            if not annotation:
                words.add(tok.string)
        elif tok.string == "mock" and after == ".":
            attribute = tokens[at + 2].string if at + 2 < len(tokens) else ""
            if attribute in MOCK_ATTRIBUTES:
                words.add(tok.string)
        elif before == ".":
            continue
        elif tok.string == "monkeypatch" and after == "." and at + 2 < len(tokens) and tokens[at + 2].string == "chdir":
            continue  # changes the working directory; no mock
        elif tok.string.startswith("mock_"):
            if after == "(" or before == "@":
                words.add(tok.string)
        elif after in ("(", ".") or before == "@":
            words.add(tok.string)
    return words


def is_import(line: str) -> bool:
    return line.lstrip().startswith(("import ", "from "))


def normalise(line: str) -> str:
    return re.sub(r"\s+", "", line).rstrip(",")


def parse_diff(mirror: str, parent: str, commit: str) -> tuple[dict[str, list[tuple[int, str]]], dict[str, int]]:
    """Added lines per head path, and the normalised text of every deleted line of the commit."""
    text = git(mirror, "diff", "-U0", "--no-color", "--find-renames", parent, commit, "--", "*.py")
    added: dict[str, list[tuple[int, str]]] = {}
    deleted: dict[str, int] = {}
    path = ""
    line_no = 0
    for raw in text.splitlines():
        if raw.startswith("+++ "):
            path = raw[6:] if raw.startswith("+++ b/") else ""
            continue
        if raw.startswith("--- "):
            continue
        if raw.startswith("@@"):
            match = re.match(r"@@ -\d+(?:,\d+)? \+(\d+)", raw)
            line_no = int(match.group(1)) if match else 0
            continue
        if raw.startswith("+"):
            added.setdefault(path, []).append((line_no, raw[1:]))
            line_no += 1
        elif raw.startswith("-"):
            deleted[normalise(raw[1:])] = deleted.get(normalise(raw[1:]), 0) + 1
    return added, deleted


def statement_spans(entries: Iterable[dict[str, object]]) -> dict[str, list[tuple[int, int]]]:
    spans: dict[str, list[tuple[int, int]]] = {}
    for entry in entries:
        start = int(str(entry["line"]))
        end = int(str(entry.get("end_line") or start))
        spans.setdefault(str(entry["path"]), []).append((start, end))
    return spans


def covered(spans: list[tuple[int, int]], line: int) -> bool:
    # A call over several lines carries its finding on its first line, spanning to `end_line`.
    return any(start <= line <= end for start, end in spans)


def run_check(mirror: str, parent: str, commit: str, timeout: int, cache: Path | None, tool: list[str]) -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of the check; kept in `cache` so the judging can be re-run cheaply."""
    kept = cache / f"{commit}.json" if cache else None
    if kept and kept.exists():
        saved = json.loads(kept.read_text())
        return int(saved["rc"]), str(saved["stdout"]), str(saved["stderr"])
    try:
        done = subprocess.run(
            [*tool, "check", "--repo", mirror, "--base", parent, "--head", commit, "--format", "json",
             "--workers", "1"],
            capture_output=True, text=True, timeout=timeout,
        )
        result = (done.returncode, done.stdout, done.stderr)
    except subprocess.TimeoutExpired:
        result = (-1, "", f"timeout after {timeout}s")
    if kept:
        kept.write_text(json.dumps({"rc": result[0], "stdout": result[1], "stderr": result[2]}))
    return result


def mine_commit(mirror: str, commit: str, timeout: int, totals: Totals, cache: Path | None, tool: list[str]) -> list[Candidate]:
    parent = git(mirror, "rev-parse", f"{commit}^").strip()
    found: list[Candidate] = []
    returncode, stdout, stderr = run_check(mirror, parent, commit, timeout, cache, tool)
    try:
        report = json.loads(stdout)
    except json.JSONDecodeError:
        totals.crashes += 1
        return [Candidate(commit, "", 0, "trouble", "", f"exit {returncode}: {stderr.strip()[-400:]}")]
    if returncode == 2:
        totals.exit2 += 1
        found.append(Candidate(commit, "", 0, "trouble", "", "exit 2"))
    for notice in report.get("notices", []):
        found.append(Candidate(commit, str(notice.get("path", "")), int(notice.get("line") or 0), "trouble", "",
                               str(notice.get("message", notice))))
    findings = report.get("findings", [])
    if findings:
        totals.with_findings += 1
    every = [*findings, *report.get("tolerated", []), *report.get("suppressed", [])]
    spans = statement_spans(every)
    gated = set(report.get("files_checked", []))
    added, deleted = parse_diff(mirror, parent, commit)
    flagged_paths = {str(f["path"]) for f in every}
    for path, lines in added.items():
        if path not in gated:
            continue
        for line_no, text in lines:
            if not code_words(text):
                continue
            if is_import(text) and path in flagged_paths:
                continue  # an import next to flagged usages carries no finding of its own
            totals.mock_lines += 1
            if covered(spans.get(path, []), line_no):
                totals.covered += 1
            elif normalise(text) in deleted:
                totals.moved += 1
            else:
                found.append(Candidate(commit, path, line_no, "miss?", text.strip()))
    # A finding is suspect when the commit deletes its code as often as it adds it (a move); when
    # the head has more copies than the parent, the extra copies are new and may carry findings.
    added_count: dict[str, int] = {}
    for path, lines in added.items():
        for _, text in lines:
            added_count[normalise(text)] = added_count.get(normalise(text), 0) + 1
    flagged_count: dict[str, int] = {}
    for finding in findings:
        code = normalise(str(finding.get("code") or "").splitlines()[0] if finding.get("code") else "")
        flagged_count[code] = flagged_count.get(code, 0) + 1
    for finding in findings:
        first = str(finding.get("code") or "").splitlines()
        code = normalise(first[0]) if first else ""
        grown = added_count.get(code, 0) - deleted.get(code, 0)
        if code and deleted.get(code, 0) and flagged_count[code] > max(grown, 0):
            found.append(Candidate(commit, str(finding["path"]), int(finding["line"]), "false-alarm?",
                                   first[0].strip(), f"{finding['rule']} target={finding.get('target')}"))
    return found


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--mirror", required=True)
    parser.add_argument("--limit", type=int, default=300)
    parser.add_argument("--skip", type=int, default=0, help="skip the newest N matching commits")
    parser.add_argument("--commits", default="", help="comma-separated commits instead of git log")
    parser.add_argument("--timeout", type=int, default=120)
    parser.add_argument("--out", default="")
    parser.add_argument("--mockguard", default=str(MOCKGUARD), help="the command to run (split on spaces)")
    parser.add_argument("--cache", default="", help="folder keeping each commit's report (delete it after a fix)")
    args = parser.parse_args(argv)
    cache = Path(args.cache) if args.cache else None
    if cache:
        cache.mkdir(parents=True, exist_ok=True)
    commits = args.commits.split(",") if args.commits else pick_commits(args.mirror, args.limit, args.skip)
    totals = Totals()
    candidates: list[Candidate] = []
    for index, commit in enumerate(commits, 1):
        totals.commits += 1
        found = mine_commit(args.mirror, commit, args.timeout, totals, cache, args.mockguard.split())
        candidates.extend(found)
        for cand in found:
            print(f"{cand.kind:13} {cand.commit[:10]} {cand.path}:{cand.line}  {cand.code[:90]}  {cand.detail}",
                  flush=True)
        if index % 25 == 0:
            print(f"... {index}/{len(commits)}", file=sys.stderr, flush=True)
    for cand in candidates:
        totals.candidates[cand.kind] = totals.candidates.get(cand.kind, 0) + 1
    print(json.dumps(asdict(totals)))
    if args.out:
        Path(args.out).write_text(json.dumps({"totals": asdict(totals), "candidates": [asdict(c) for c in candidates]},
                                             indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
