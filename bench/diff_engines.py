"""Differential check: does a changed engine find exactly what a reference checkout finds?

The first pass decides what libcst never sees; a mistake there drops a real site silently. This
runs the site scan of two checkouts of mockguard (the one this file is in, and `--old DIR`, e.g. a
`git worktree add --detach /tmp/base main`) over the same Python files and compares every site
and import they report, field by field:

- every line wanted (what the audit and the debt count ask),
- a few seeded random sets of wanted lines per file (what a change asks: single lines, inner
  lines of multi-line calls, runs of lines),
- `count_mocks` of the whole file.

Files come from git revisions (`--git REPO[:REV]`, the `.py` files of that tree, default HEAD) or
folders (`--dir DIR`). With `--check REPO BASE HEAD` it also compares the JSON reports of
`mockguard check` on that range (findings, suppressed, tolerated, notices).

    .venv/bin/python bench/diff_engines.py --old /tmp/speed-base --git /tmp/bench/mix --dir tests
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _files_from_git(spec: str) -> list[tuple[str, str]]:
    repo, _, rev = spec.partition(":")
    rev = rev or "HEAD"
    names = subprocess.run(["git", "-C", repo, "ls-tree", "-r", "--name-only", rev], capture_output=True, text=True, check=True).stdout.split("\n")
    names = [n for n in names if n.endswith(".py")]
    out = subprocess.run(["git", "-C", repo, "cat-file", "--batch"], input="".join(f"{rev}:{n}\n" for n in names).encode(), capture_output=True, check=True).stdout
    files, pos = [], 0
    for name in names:
        end = out.index(b"\n", pos)
        header = out[pos:end].split()
        pos = end + 1
        if header[-1] == b"missing":
            continue
        size = int(header[2])
        files.append((f"{spec}/{name}", out[pos : pos + size].decode("utf-8", "replace")))
        pos += size + 1
    return files


def _files_from_dir(folder: str) -> list[tuple[str, str]]:
    return [(str(p), p.read_text(encoding="utf-8", errors="replace")) for p in sorted(Path(folder).rglob("*.py")) if ".venv" not in p.parts]


def _wanted_sets(name: str, count: int) -> list[frozenset[int]]:
    rng = random.Random(hashlib.sha256(name.encode()).hexdigest())
    sets = [frozenset(range(1, count + 1))]
    if count == 0:
        return sets
    for _ in range(4):
        sets.append(frozenset({rng.randint(1, count)}))
    for _ in range(2):
        start = rng.randint(1, count)
        sets.append(frozenset(range(start, min(count, start + rng.randint(1, 12)) + 1)))
    sets.append(frozenset(rng.sample(range(1, count + 1), min(count, 20))))
    return sets


def dump(sources: list[tuple[str, str]], out: str) -> None:
    """Runs inside the checkout under test (its `bot` first on sys.path)."""
    from bot.engine.analyse import _scan, count_mocks
    from bot.engine.diff import source_lines

    results = {}
    for name, text in sources:
        entry = []
        for wanted in _wanted_sets(name, len(source_lines(text))):
            notices: list = []
            try:
                found = _scan(name, text, wanted, notices, side="base")
            except Exception as error:  # a crash is a difference too
                entry.append({"error": f"{type(error).__name__}: {error}"})
                continue
            entry.append(
                {
                    "wanted": len(wanted),
                    "sites": [dataclasses.asdict(s) for s in found.sites],
                    "imports": sorted({(i.line, i.library) for i in found.imports if i.line in wanted}),
                    "notices": [n.message for n in notices],
                }
            )
        entry.append({"count_mocks": count_mocks(name, text)})
        results[name] = entry
    Path(out).write_text(json.dumps(results, sort_keys=True, default=list))


def _run_dump(checkout: Path, sources_file: str, out: str) -> None:
    env = dict(os.environ, PYTHONPATH=str(checkout))
    subprocess.run([sys.executable, __file__, "--dump", sources_file, out], env=env, check=True, cwd=str(checkout))


def _check_json(checkout: Path, repo: str, base: str, head: str) -> dict:
    env = dict(os.environ, PYTHONPATH=str(checkout))
    done = subprocess.run([sys.executable, "-m", "bot.cli", "check", "--repo", repo, "--base", base, "--head", head, "--format", "json"],
                          env=env, capture_output=True, text=True, cwd=str(checkout))
    if done.returncode not in (0, 1):
        raise SystemExit(f"check failed in {checkout}: {done.stderr[-2000:]}")
    report = json.loads(done.stdout)
    return {key: report.get(key) for key in ("findings", "suppressed", "tolerated", "notices", "summary")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--old", type=Path, help="the reference checkout")
    parser.add_argument("--git", action="append", default=[], help="REPO[:REV]: its .py files")
    parser.add_argument("--dir", action="append", default=[], help="a folder: its .py files")
    parser.add_argument("--check", nargs=3, action="append", default=[], metavar=("REPO", "BASE", "HEAD"))
    parser.add_argument("--dump", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.dump:
        dump(json.loads(Path(args.dump[0]).read_text()), args.dump[1])
        return
    if args.old is None:
        parser.error("--old is required")
    sources = [f for spec in args.git for f in _files_from_git(spec)] + [f for folder in args.dir for f in _files_from_dir(folder)]
    differences = 0
    with tempfile.TemporaryDirectory() as tmp:
        if sources:
            sources_file = f"{tmp}/sources.json"
            Path(sources_file).write_text(json.dumps(sources))
            _run_dump(args.old.resolve(), sources_file, f"{tmp}/old.json")
            _run_dump(ROOT, sources_file, f"{tmp}/new.json")
            old, new = json.loads(Path(f"{tmp}/old.json").read_text()), json.loads(Path(f"{tmp}/new.json").read_text())
            scans = sum(len(v) for v in old.values())
            sites = sum(len(e.get("sites", ())) for v in old.values() for e in v)
            for name in old:
                if old[name] != new.get(name):
                    differences += 1
                    for index, (a, b) in enumerate(zip(old[name], new.get(name, []))):
                        if a != b:
                            print(f"DIFFERENT {name} (wanted set {index}):\n  old {json.dumps(a)[:1500]}\n  new {json.dumps(b)[:1500]}")
                            break
            print(f"{len(sources)} files, {scans} scans, {sites} sites in the reference: {differences} files differ")
        for repo, base, head in args.check:
            old_report, new_report = _check_json(args.old.resolve(), repo, base, head), _check_json(ROOT, repo, base, head)
            same = old_report == new_report
            differences += not same
            print(f"check {repo} {base}..{head}: {'identical' if same else 'DIFFERENT'} ({len(old_report['findings'] or [])} findings)")
            if not same:
                for key in old_report:
                    if old_report[key] != new_report[key]:
                        print(f"  {key}: old {json.dumps(old_report[key])[:1500]}\n  {key}: new {json.dumps(new_report[key])[:1500]}")
    sys.exit(1 if differences else 0)


if __name__ == "__main__":
    main()
