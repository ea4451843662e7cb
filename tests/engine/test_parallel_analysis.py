"""With worker processes (a change of many busy files) the report is the one a single process
gives: the same findings, the same notices in the same order, the same debt line. The workers
leave the check of a head that does not parse outside the scanned statements to the parent,
which parses each head anyway for MG2xx and MG3xx."""

from __future__ import annotations

import dataclasses

from bot.engine.analyse import PARALLEL_FROM_FILES, analyse
from bot.engine.model import FileChange

BASE = """from unittest.mock import patch


def test_reads_{n}(client):
    assert client.get("/items/{n}").status_code == 200
"""
ADDED = """

def test_writes_{n}(client):
    with patch("app.cache.redis_{n}"):
        assert client.post("/items/{n}").status_code == 201
"""
BROKEN_ELSEWHERE = """

def test_never_finished_{n}(client:
    pass
"""


def _change(n: int, broken: bool) -> FileChange:
    base = BASE.format(n=n)
    head = base + ADDED.format(n=n) + (BROKEN_ELSEWHERE.format(n=n) if broken else "")
    added = frozenset(range(len(base.splitlines()) + 1, len(head.splitlines()) + 1))
    if broken:  # the broken test is old: only the new test's lines are added
        added = frozenset(n for n in added if n <= len((base + ADDED.format(n=n)).splitlines()))
    path = f"tests/integration/test_area_{n}.py"
    return FileChange(path, path, base, head, added, frozenset(), "modified")


def _report(workers: int):
    changes = [_change(n, broken=n in (3, 17)) for n in range(PARALLEL_FROM_FILES + 6)]
    return dataclasses.asdict(analyse(changes, workers=workers))


def test_two_workers_give_the_single_process_report_notices_included():
    single, parallel = _report(1), _report(2)
    assert [n["path"] for n in single["notices"]] == ["tests/integration/test_area_3.py", "tests/integration/test_area_17.py"]
    assert all("head version does not parse as Python (line" in n["message"] for n in single["notices"])
    assert len(single["findings"]) == PARALLEL_FROM_FILES + 6
    assert parallel == single
