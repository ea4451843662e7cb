"""Score mockguard's MG3xx family and a naive baseline on the hard cases of this folder.

    .venv/bin/python tests/engine/cannot_fail_cases/score.py [--verbose]

Each case becomes a real git repository (base commit, head commit) read with `bot.gitrepo`, as
`mockguard check` reads one. Per site: a finding on an expected line is a true positive, any other
MG3xx finding a false positive (P* counts every one), an expected line without a finding a miss.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))  # the repository root, when run as a script: tests.support

from tests.support.git import GitRepo  # noqa: E402

from bot.engine.analyse import analyse  # noqa: E402
from bot.engine.rulesfile import default_config  # noqa: E402
from bot.gitrepo import Revisions, read_change  # noqa: E402

_SECTION = re.compile(r"^# --- (base|head) (\S+)\s*$")
_EXPECT = re.compile(r"#\s*expect:\s*(MG3\d\d)\s*$")


@dataclass
class Case:
    name: str
    base: dict[str, str] = field(default_factory=dict)
    head: dict[str, str] = field(default_factory=dict)

    @property
    def expected(self) -> set[tuple[str, int, str]]:
        found = set()
        for path, text in self.head.items():
            for number, line in enumerate(text.splitlines(), start=1):
                match = _EXPECT.search(line)
                if match:
                    found.add((path, number, match.group(1)))
        return found


def load_case(path: Path) -> Case:
    case = Case(path.stem)
    side, current, lines = None, None, []

    def close() -> None:
        if side is not None:
            getattr(case, side)[current] = "\n".join(lines).rstrip("\n") + "\n"

    for line in path.read_text(encoding="utf-8").splitlines():
        match = _SECTION.match(line)
        if match:
            close()
            side, current, lines = match.group(1), match.group(2), []
        elif side is not None:
            lines.append(line)
    close()
    return case


def load_cases() -> list[Case]:
    return [load_case(p) for p in sorted(HERE.glob("*.case"))]


def build(case: Case, root: Path) -> tuple[GitRepo, str, str]:
    repo = GitRepo(root)
    for path, text in case.base.items():
        repo.write(path, text, dedent=False)
    base = repo.commit("base")
    for path in case.base:
        if path not in case.head:
            repo.remove(path)
    for path, text in case.head.items():
        repo.write(path, text, dedent=False)
    head = repo.commit("head")
    return repo, base, head


def mockguard_sites(repo: GitRepo, base: str, head: str) -> set[tuple[str, int, str]]:
    config = default_config()
    changes, _ = read_change(repo.root, Revisions(base, head))
    report = analyse(changes, config)
    return {(f.path, f.line, f.rule) for f in report.findings if f.rule.startswith("MG3")}


_EXCEPT = re.compile(r"^(\s*)except\b.*:\s*(#.*)?$")
_QUIET = re.compile(r"^\s*(pass|print\(.*|(log|logger|logging)\.\w+\(.*)\s*(#.*)?$")


def baseline_sites(repo: GitRepo, base: str, head: str) -> set[tuple[str, int, str]]:
    """The naive pattern match of the issue, over added lines only: an `except` followed only by
    pass/print/log, `pytest.skip`, `assert True`."""
    diff = subprocess.run(["git", "-C", str(repo.root), "diff", "-U0", base, head], capture_output=True, text=True, check=True).stdout
    added: dict[str, set[int]] = {}
    path = None
    for line in diff.splitlines():
        if line.startswith("+++ b/"):
            path = line[6:]
        elif line.startswith("@@") and path:
            match = re.search(r"\+(\d+)(?:,(\d+))?", line)
            start, count = int(match.group(1)), int(match.group(2) or 1)
            added.setdefault(path, set()).update(range(start, start + count))
    found = set()
    for path, numbers in added.items():
        lines = (repo.root / path).read_text(encoding="utf-8").splitlines()
        for number in sorted(numbers):
            text = lines[number - 1]
            match = _EXCEPT.match(text)
            if match:
                body = []
                for following in lines[number:]:
                    if following.strip() and len(following) - len(following.lstrip()) <= len(match.group(1)):
                        break
                    if following.strip():
                        body.append(following)
                if body and all(_QUIET.match(b) for b in body):
                    found.add((path, number, "MG301"))
            elif "pytest.skip(" in text:
                found.add((path, number, "MG302"))
            elif re.search(r"\bassert\s+True\b", text):
                found.add((path, number, "MG304"))
    return found


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    negatives: int = 0
    negatives_flagged: int = 0
    misses: list[str] = field(default_factory=list)
    false: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0


def score(cases: list[Case], workdir: Path) -> dict[str, Score]:
    scores = {"mockguard": Score(), "baseline": Score()}
    for case in cases:
        repo, base, head = build(case, workdir / case.name)
        expected = {(p, n) for p, n, _ in case.expected}
        for name, tool in (("mockguard", mockguard_sites), ("baseline", baseline_sites)):
            got = {(p, n) for p, n, _ in tool(repo, base, head)}
            s = scores[name]
            s.tp += len(got & expected)
            s.fp += len(got - expected)
            s.fn += len(expected - got)
            s.misses += [f"{case.name}:{p}:{n}" for p, n in sorted(expected - got)]
            s.false += [f"{case.name}:{p}:{n}" for p, n in sorted(got - expected)]
            if not expected:
                s.negatives += 1
                s.negatives_flagged += bool(got)
    return scores


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    cases = load_cases()
    with tempfile.TemporaryDirectory() as tmp:
        scores = score(cases, Path(tmp))
    positives = sum(1 for c in cases if c.expected)
    print(f"{len(cases)} cases ({positives} positive, {len(cases) - positives} negative), {sum(len(c.expected) for c in cases)} sites")
    print(f"{'tool':10} {'recall':>7} {'P*':>6} {'neg any':>8}")
    for name, s in scores.items():
        print(f"{name:10} {s.recall:7.3f} {s.precision:6.3f} {s.negatives_flagged:>4}/{s.negatives}")
        if args.verbose:
            for miss in s.misses:
                print(f"   miss  {miss}")
            for false in s.false:
                print(f"   false {false}")


if __name__ == "__main__":
    main()
