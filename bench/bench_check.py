"""Benchmark: wall time, CPU time and peak memory of `mockguard check` on the shapes of real changes.

Shapes (`--shape`, default all):
- `marker`: ~1,200 changed files, one added line each (a marker or an import), 641 of them
  integration test files that mention "mock" in comments and docstrings; one file adds a mock.
- `suite`: ~3,500 new files, over a million added lines: ~400 new integration test files that hold
  mocks, the rest application code and unit tests.
- `mix` (below): the synthetic mix, and a one-file change on top of it.

Builds a repository of N integration test files of a few hundred lines each, then a change that
touches M of them: a third gain a new mock, a third move an existing mock to another test, a
third lose one. Next to mockguard it runs a reference in the same conditions: `git diff` of the
range, plus Python's `ast.parse` of the head and base versions of the files whose added lines hold
a mock-like token (the least any tool that parses the change must do).

    .venv/bin/python bench/bench_check.py [--files 1000] [--touched 300] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The console script, as users run it (bot/entry.py forks the scanner before anything else).
_SCRIPT = Path(sys.executable).with_name("mockguard")
MOCKGUARD = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "bot.cli"]

REFERENCE = r"""
import ast, re, subprocess, sys
repo, base, head = sys.argv[1:4]
diff = subprocess.run(["git", "-C", repo, "diff", "-U0", "--no-color", base, head], capture_output=True, text=True, check=True).stdout
token = re.compile(r"mock|patch|Mock|monkeypatch|mocker")
files, current = set(), None
for line in diff.splitlines():
    if line.startswith("+++ b/"):
        current = line[6:]
    elif line.startswith("+") and not line.startswith("+++") and current and token.search(line):
        files.add(current)
specs = [f"{rev}:{path}" for path in sorted(files) for rev in (base, head)]
out = subprocess.run(["git", "-C", repo, "cat-file", "--batch"], input="".join(s + "\n" for s in specs).encode(), capture_output=True, check=True).stdout
pos = 0
for _ in specs:
    end = out.index(b"\n", pos); header = out[pos:end].split(); pos = end + 1
    if header[-1] == b"missing":
        continue
    size = int(header[2]); ast.parse(out[pos:pos + size]); pos += size + 1
print(len(files))
"""


def test_function(rng: random.Random, index: int, mocked: bool) -> list[str]:
    name = f"test_case_{index}"
    body = [f"def {name}(client, db_session):", f'    """Case {index}: the service answers."""']
    for step in range(rng.randint(6, 14)):
        body.append(f"    response_{step} = client.get('/items/{index}/{step}')")
        body.append(f"    assert response_{step}.status_code == 200, response_{step}.text")
    if mocked:
        target = rng.choice(["app.services.ws.create_manager", "app.db.session.commit", "app.clients.http.get", "app.cache.redis"])
        body.insert(2, f"    with patch('{target}.{index}') as patched_{index}:")
        body.insert(3, f"        patched_{index}.return_value = MagicMock(name='m{index}')")
    return body + [""]


def test_file(rng: random.Random, number: int) -> list[str]:
    lines = [
        "import json",
        "from unittest.mock import MagicMock, patch",
        "",
        "import pytest",
        "",
        "",
    ]
    for index in range(rng.randint(14, 20)):
        lines += test_function(rng, number * 100 + index, mocked=rng.random() < 0.3)
        lines.append("")
    return lines


def change(rng: random.Random, lines: list[str], kind: str, number: int) -> list[str]:
    if kind == "new":
        return lines + test_function(rng, number * 100 + 99, mocked=True)
    patched = [i for i, line in enumerate(lines) if line.startswith("    with patch(")]
    if not patched:
        return lines + test_function(rng, number * 100 + 99, mocked=True)
    start = patched[0]
    if kind == "removed":
        return lines[:start] + lines[start + 2 :]
    # moved: the `with patch` and its first line go to the end of the file, in a new test
    moved = lines[start : start + 2]
    return lines[:start] + lines[start + 2 :] + ["", f"def test_moved_{number}(client):", *moved, "        client.get('/')", ""]


def build(repo: Path, files: int, touched: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    git = ["git", "-C", str(repo), "-c", "user.email=b@example.invalid", "-c", "user.name=bench"]
    contents = {}
    for number in range(files):
        path = repo / "tests" / "integration" / f"area_{number % 20}" / f"test_module_{number}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        contents[path] = test_file(rng, number)
        path.write_text("\n".join(contents[path]) + "\n")
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "base"], check=True)
    subprocess.run([*git, "tag", "base"], check=True)
    kinds = ["new", "moved", "removed"]
    for offset, path in enumerate(rng.sample(sorted(contents), touched)):
        path.write_text("\n".join(change(rng, contents[path], kinds[offset % 3], offset)) + "\n")
    subprocess.run([*git, "commit", "-qam", "head"], check=True)
    subprocess.run([*git, "tag", "head"], check=True)
    # a small change on top: one new mock in one file
    small = sorted(contents)[0]
    small.write_text(small.read_text() + "\n".join(test_function(rng, 999_999, mocked=True)) + "\n")
    subprocess.run([*git, "commit", "-qam", "small"], check=True)
    subprocess.run([*git, "tag", "small"], check=True)


def _commit(repo: Path, message: str, tag: str) -> None:
    git = ["git", "-C", str(repo), "-c", "user.email=b@example.invalid", "-c", "user.name=bench"]
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", message], check=True)
    subprocess.run([*git, "tag", tag], check=True)


def quiet_test_file(rng: random.Random, number: int) -> list[str]:
    """An integration test file that mentions mocks only in prose: docstrings, comments, strings."""
    lines = [f'"""Area {number}: real services only; the old mock_* fixtures and patch() calls are gone."""', "import pytest", "", ""]
    for index in range(rng.randint(10, 18)):
        lines += [f"def test_area_{number}_{index}(client, db_session):", '    """No MagicMock here: the real session."""',
                  "    # we used to mocker.patch the cache here", f"    response = client.get('/areas/{number}/{index}')",
                  "    assert response.status_code == 200, 'mock data leaked'", ""]
    return lines


def app_file(rng: random.Random, number: int, size: int) -> list[str]:
    lines = ["import json", "", ""]
    while len(lines) < size:
        lines += [f"def handler_{number}_{len(lines)}(request):", "    payload = json.loads(request.body)",
                  "    return {'ok': True, 'items': payload.get('items', [])}", "", ""]
    return lines


def build_marker(repo: Path, tests: int = 641, others: int = 571) -> None:
    rng = random.Random(11)
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    files: dict[Path, list[str]] = {}
    for number in range(tests):
        files[repo / "tests" / "integration" / f"area_{number % 30}" / f"test_area_{number}.py"] = quiet_test_file(rng, number)
    for number in range(others):
        files[repo / "app" / f"module_{number % 40}" / f"part_{number}.py"] = app_file(rng, number, 60)
    for path, lines in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n")
    _commit(repo, "base", "base")
    for path, lines in files.items():  # one added line each: a marker in tests, an import elsewhere
        added = "pytestmark = pytest.mark.integration" if "tests" in path.parts else "import logging"
        path.write_text("\n".join([lines[0], added, *lines[1:]]) + "\n")
    first = sorted(p for p in files if "tests" in p.parts)[0]
    first.write_text(first.read_text() + "\n\ndef test_new(client, mocker):\n    mocker.patch('app.cache.redis')\n")
    _commit(repo, "head", "head")


def build_suite(repo: Path, mocked_tests: int = 400, others: int = 3100) -> None:
    rng = random.Random(13)
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    (repo / "README.md").write_text("suite\n")
    _commit(repo, "base", "base")
    for number in range(mocked_tests):
        path = repo / "tests" / "integration" / f"area_{number % 30}" / f"test_imported_{number}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        lines = test_file(rng, number)
        while len(lines) < 300:
            lines += test_function(rng, number * 1000 + len(lines), mocked=rng.random() < 0.3)
        path.write_text("\n".join(lines) + "\n")
    for number in range(others):
        folder = "tests/unit" if number % 3 == 0 else "app"
        path = repo / folder / f"pkg_{number % 50}" / f"mod_{number}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(app_file(rng, number, 320)) + "\n")
    _commit(repo, "head", "head")


def timed(command: list[str]) -> tuple[float, float, subprocess.CompletedProcess]:
    """Wall seconds and CPU seconds (user + system, the process and its children): the CPU time
    stays comparable when other work shares the machine."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, cwd=ROOT)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, completed


def measure(repo: Path, base: str, head: str, repeat: int) -> dict:
    check = [*MOCKGUARD, "check", "--repo", str(repo), "--base", base, "--head", head, "--format", "json"]
    reference = [sys.executable, "-c", REFERENCE, str(repo), base, head]
    walls: dict[str, list[float]] = {"mockguard": [], "reference": []}
    cpus: dict[str, list[float]] = {"mockguard": [], "reference": []}
    findings = None
    for _ in range(repeat):
        for name, command in (("reference", reference), ("mockguard", check)):
            wall, cpu, completed = timed(command)
            if name == "mockguard":
                if completed.returncode not in (0, 1):
                    raise SystemExit(completed.stderr.decode())
                findings = json.loads(completed.stdout)["summary"]
            walls[name].append(wall)
            cpus[name].append(cpu)
    median = {name: statistics.median(times) for name, times in walls.items()}
    median_cpu = {name: statistics.median(times) for name, times in cpus.items()}
    result = {
        name: {"median_s": round(median[name], 3), "median_cpu_s": round(median_cpu[name], 3), "peak_mib": round(peak_memory(command), 1)}
        for name, command in (("mockguard", check), ("reference", reference))
    }
    return result | {
        "ratio": round(median["mockguard"] / median["reference"], 2),
        "cpu_ratio": round(median_cpu["mockguard"] / median_cpu["reference"], 2),
        "summary": findings,
    }


def peak_memory(command: list[str]) -> float:
    """Peak RSS in MiB of the command and its children, measured in a fresh wrapper process."""
    wrapper = (
        "import resource, subprocess, sys; subprocess.run(sys.argv[1:], capture_output=True); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    out = subprocess.run([sys.executable, "-c", wrapper, *command], capture_output=True, text=True, cwd=ROOT)
    return int(out.stdout.strip()) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--touched", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--shape", choices=("all", "marker", "suite", "mix"), default="all")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="mockguard-bench-"))
    try:
        result = {}
        if args.shape in ("all", "marker"):
            repo = workdir / "marker"
            build_marker(repo)
            result["marker: 1,200 files, one added line each"] = measure(repo, "base", "head", args.repeat)
        if args.shape in ("all", "suite"):
            repo = workdir / "suite"
            build_suite(repo)
            result["suite: 3,500 new files, ~1.1M added lines"] = measure(repo, "base", "head", args.repeat)
        if args.shape in ("all", "mix"):
            repo = workdir / "repo"
            started = time.perf_counter()
            build(repo, args.files, args.touched)
            print(f"built {args.files} files, {args.touched} touched, in {time.perf_counter() - started:.1f} s", file=sys.stderr)
            result["mix: big change"] = measure(repo, "base", "head", args.repeat)
            result["mix: one-file change"] = measure(repo, "head", "small", args.repeat)
            # Issue 14's goal for a one-file change: `mockguard check` minus `mockguard --version`.
            versions = [timed([*MOCKGUARD, "--version"]) for _ in range(args.repeat)]
            version_wall = statistics.median(v[0] for v in versions)
            version_cpu = statistics.median(v[1] for v in versions)
            one = result["mix: one-file change"]["mockguard"]
            result["mix: one-file change minus start-up"] = {
                "mockguard --version": {"median_s": round(version_wall, 3), "median_cpu_s": round(version_cpu, 3)},
                "check minus --version": {"wall_s": round(one["median_s"] - version_wall, 3), "cpu_s": round(one["median_cpu_s"] - version_cpu, 3)},
            }
        print(json.dumps(result, indent=2))
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
