"""Benchmark: wall time and peak memory of `mockguard check` on a big and a small change.

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
MOCKGUARD = [sys.executable, "-m", "bot.cli"]

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
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="mockguard-bench-"))
    try:
        repo = workdir / "repo"
        started = time.perf_counter()
        build(repo, args.files, args.touched)
        print(f"built {args.files} files, {args.touched} touched, in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        result = {
            "big change": measure(repo, "base", "head", args.repeat),
            "small change": measure(repo, "head", "small", args.repeat),
        }
        print(json.dumps(result, indent=2))
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
