"""The scanner process (bot/engine/scanner.py): forked before a change is read, it imports libcst
while the main process reads and runs the first looks, then scans the files those leave. Its
report is the one a single process gives, a scanner that is gone loses nothing, and the main
process then never imports libcst itself."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bot.engine.analyse import analyse
from bot.engine.model import FileChange
from bot.engine.scanner import ScannerGone, ScanProcess

ROOT = Path(__file__).resolve().parents[2]
QUIET = '''"""No mocks here: we used to patch the cache (mock_cache is gone)."""
import pytest


def test_reads_{n}(client):
    assert client.get("/items/{n}").status_code == 200
'''
MOCKED = '''

def test_writes(client, mocker):
    mocker.patch("app.cache.redis")
    assert client.post("/items").status_code == 201
'''
BROKEN_ELSEWHERE = """

def test_never_finished(client:
    pass
"""


def _changes(broken: bool = True) -> list[FileChange]:
    """A marker added to ten quiet test files; one of them also gains a mock, another a mock
    while a test elsewhere in it does not parse (unless not `broken`)."""
    changes = []
    for n in range(10):
        base = QUIET.format(n=n)
        head = base.replace("import pytest\n", "import pytest\npytestmark = pytest.mark.integration\n")
        added = {3}
        if n in (4, 7):
            extra = MOCKED + (BROKEN_ELSEWHERE if n == 7 and broken else "")
            added |= set(range(len(head.splitlines()) + 1, len(head.splitlines()) + 1 + len(MOCKED.splitlines())))
            head += extra
        path = f"tests/integration/test_area_{n}.py"
        changes.append(FileChange(path, path, base, head, frozenset(added), frozenset(), "modified"))
    return changes


def test_the_scanner_gives_the_single_process_report_notices_included():
    single = dataclasses.asdict(analyse(_changes(), workers=1))
    assert sorted(f["path"] for f in single["findings"]) == ["tests/integration/test_area_4.py", "tests/integration/test_area_7.py"]
    assert [n["path"] for n in single["notices"]] == ["tests/integration/test_area_7.py"]
    scanner = ScanProcess.start()
    if scanner is None:
        pytest.skip("no fork, or a single core: the scanner is never started here")
    with scanner:
        assert dataclasses.asdict(analyse(_changes(), scanner=scanner)) == single
        # It serves more than one analysis (the App's threads never use it; the CLI runs one).
        assert dataclasses.asdict(analyse(_changes(), scanner=scanner)) == single


def test_a_scanner_that_is_gone_loses_nothing():
    single = dataclasses.asdict(analyse(_changes(), workers=1))
    scanner = ScanProcess.start()
    if scanner is None:
        pytest.skip("no fork, or a single core: the scanner is never started here")
    os.kill(scanner.pid, signal.SIGKILL)  # killed (out of memory, say) before it answers
    os.waitpid(scanner.pid, 0)
    assert dataclasses.asdict(analyse(_changes(), scanner=scanner)) == single
    with pytest.raises(ScannerGone):  # and it says so to a caller that asks it directly
        scanner.send([], count_debt=False)


def test_with_the_scanner_the_main_process_never_imports_libcst():
    """Why the scanner exists: libcst's import (0.15 s) runs beside the reading of the change,
    never in the main process, when the first looks leave the scanning to it. (A head that does
    not parse is the exception: libcst, which reads newer syntax, confirms CPython's verdict.)"""
    program = """
import sys
from bot.engine.scanner import ScanProcess
scanner = ScanProcess.start()
from bot.engine.analyse import analyse
from tests.engine.test_scanner import _changes
report = analyse(_changes(broken=False), scanner=scanner)
scanner.close()
print(len(report.findings), "libcst" in sys.modules)
"""
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    if (os.cpu_count() or 1) < 2:
        pytest.skip("a single core: no scanner, libcst is imported here")
    assert done.stdout.split() == ["2", "False"]


def test_on_a_big_change_the_scanner_shares_the_scans_with_the_pool():
    """A change with enough busy files for a process pool: the scanner (libcst imported already)
    takes half, the pool the rest; the same report as one process, notices included, also when the
    scanner is gone before it is asked."""
    from tests.engine.test_parallel_analysis import _report as one_process_report, _change
    from bot.engine.analyse import PARALLEL_FROM_FILES

    single = one_process_report(1)
    changes = [_change(n, broken=n in (3, 17)) for n in range(PARALLEL_FROM_FILES + 6)]
    scanner = ScanProcess.start()
    if scanner is None:
        pytest.skip("no fork, or a single core: the scanner is never started here")
    with scanner:
        assert dataclasses.asdict(analyse(changes, workers=2, scanner=scanner)) == single
    gone = ScanProcess.start()
    assert gone is not None
    os.kill(gone.pid, signal.SIGKILL)
    os.waitpid(gone.pid, 0)
    assert dataclasses.asdict(analyse(changes, workers=2, scanner=gone)) == single


@pytest.mark.parametrize(("args", "one"), [
    ([], False), (["--workers", "2"], False), (["--workers", "1"], True), (["--workers=1"], True),
    (["--workers", "0"], True), (["--repo", ".", "--workers", " 1"], True), (["--workers"], False),
    (["tests/--workers=1.py"], False),
])
def test_the_console_script_forks_no_scanner_when_one_process_is_asked_for(args, one):
    from bot.entry import _one_process

    assert _one_process(args) is one


def test_the_console_scripts_check_answers_as_the_module_does(tmp_path):
    """`mockguard check` (bot/entry.py: the scanner forked before click is imported) and `python -m
    bot.cli check` (forked in the command) give the same report and exit status; `--help` and a
    usage error end at once, the early scanner closed."""
    from tests.support.git import GitRepo

    repo = GitRepo(tmp_path / "repo")
    repo.commit_files({"tests/integration/test_a.py": "def test_a(client):\n    assert client.get('/').ok\n"}, "base", tag="base")
    repo.commit_files({"tests/integration/test_a.py": "def test_a(client, mocker):\n    mocker.patch('app.db')\n    assert client.get('/').ok\n"}, "head", tag="head")
    script = Path(sys.executable).with_name("mockguard")
    if not script.exists():
        pytest.skip("no console script next to this interpreter")
    args = ["check", "--repo", str(repo.root), "--base", "base", "--head", "head", "--format", "json"]
    by_script = subprocess.run([str(script), *args], capture_output=True, text=True, cwd=ROOT)
    by_module = subprocess.run([sys.executable, "-m", "bot.cli", *args], capture_output=True, text=True, cwd=ROOT)
    assert by_script.returncode == by_module.returncode == 1, by_script.stderr
    assert by_script.stdout == by_module.stdout and '"MG1' in by_script.stdout
    assert subprocess.run([str(script), "check", "--help"], capture_output=True, text=True, timeout=60).returncode == 0
    assert subprocess.run([str(script), "check", "--no-such-option"], capture_output=True, text=True, timeout=60).returncode == 2
