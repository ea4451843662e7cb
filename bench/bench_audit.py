"""Benchmark: `mockguard audit` on a large integration suite.

Builds a repository of N integration test files (default 1,700) in the shapes suites have: every
file mentions "mock" in comments, docstrings or fixture names, a quarter hold real mock sites
(patch decorators, MagicMock/AsyncMock builds, pytest-mock's mocker), the rest use real fixtures
only. Then times `mockguard audit --ref HEAD --format json` (wall, CPU of the
process and its workers, peak memory) next to a reference that only reads the files with git and
runs CPython's `ast.parse` on each (the least any tool that looks at every file must do).

    .venv/bin/python bench/bench_audit.py [--files 1700] [--repeat 2]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MOCKGUARD = [sys.executable, "-m", "bot.cli"]
REFERENCE = r"""
import ast, subprocess, sys
repo = sys.argv[1]
names = [n for n in subprocess.run(["git", "-C", repo, "ls-tree", "-r", "--name-only", "HEAD"], capture_output=True, text=True, check=True).stdout.splitlines() if n.endswith(".py")]
out = subprocess.run(["git", "-C", repo, "cat-file", "--batch"], input="".join(f"HEAD:{n}\n" for n in names).encode(), capture_output=True, check=True).stdout
pos = 0
for _ in names:
    end = out.index(b"\n", pos); size = int(out[pos:end].split()[2]); pos = end + 1
    ast.parse(out[pos:pos + size]); pos += size + 1
print(len(names))
"""
GIT_ENV = {"GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@x",
           "GIT_COMMITTER_NAME": "b", "GIT_COMMITTER_EMAIL": "b@x", "PATH": "/usr/bin:/bin"}


def test_file(rng: random.Random, index: int, mocked: bool) -> str:
    lines = [
        f'"""Integration tests for area {index}: real services, no mocks (the mock_* fixtures are gone)."""',
        "import pytest",
    ]
    if mocked:
        lines.append("from unittest.mock import AsyncMock, MagicMock, patch")
    lines += ["", "", "@pytest.fixture", f"def area_{index}(db_session):", "    # we used to mock the session here", f"    return db_session.begin()", ""]
    for case in range(rng.randint(6, 16)):
        lines.append("")
        if mocked and case % 3 == 0:
            lines.append(f"@patch('app.area{index}.clients.http.get')")
        lines.append(f"def test_case_{case}(client, area_{index}{', mocker' if mocked else ''}):")
        lines.append(f'    """Case {case}: answers without mock data."""')
        if mocked and case % 4 == 1:
            lines.append(f"    session = AsyncMock(spec=object)")
            lines.append(f"    mocker.patch('app.area{index}.ws.manager', MagicMock())")
        for step in range(rng.randint(4, 10)):
            lines.append(f"    response = client.get('/areas/{index}/{case}/{step}')  # not a mock")
            lines.append("    assert response.status_code == 200, response.text")
    return "\n".join(lines) + "\n"


def build(root: Path, files: int) -> None:
    rng = random.Random(7)
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True, env=GIT_ENV)
    for index in range(files):
        path = root / "tests" / "integration" / f"area_{index // 100}" / f"test_area_{index}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(test_file(rng, index, mocked=index % 4 == 0), encoding="utf-8")
    subprocess.run(["git", "-C", str(root), "add", "-A"], check=True, env=GIT_ENV)
    subprocess.run(["git", "-C", str(root), "commit", "-qm", "suite"], check=True, env=GIT_ENV)


def timed(command: list[str]) -> tuple[float, float, str]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{command[:4]} failed ({done.returncode}): {done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=1700)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--repo", help="audit this existing repository instead of a built one")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(args.repo) if args.repo else Path(tmp) / "suite"
        if not args.repo:
            build(root, args.files)
        runs = []
        for _ in range(args.repeat):
            wall, cpu, out = timed([*MOCKGUARD, "audit", "--repo", str(root), "--ref", "HEAD", "--format", "json"])
            runs.append((wall, cpu))
        document = json.loads(out)
        peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        ref_wall, ref_cpu, _ = timed([sys.executable, "-c", REFERENCE, str(root)])
        wall, cpu = min(runs)
        print(f"audit of {document['summary']['files_scanned']} integration test files: "
              f"{document['summary']['open']} open mock sites in {document['summary']['files_with_mocks']} files")
        print(f"mockguard audit: {wall:.1f} s wall, {cpu:.1f} s CPU (best of {args.repeat}); peak RSS of one process {peak_mib:.0f} MiB")
        print(f"reference (git read + ast.parse of every file): {ref_wall:.1f} s wall, {ref_cpu:.1f} s CPU")


if __name__ == "__main__":
    main()
