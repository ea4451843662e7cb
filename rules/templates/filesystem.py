"""Patching `open`, `os.path.exists`, `shutil` or `pathlib.Path` methods hands the code a file
system that agrees with everything: missing parent directories, encodings, newlines, permissions,
partial writes and the exact bytes on disk are never exercised, and the patch usually breaks as
soon as the code switches from `open()` to `Path.write_text()`. pytest's `tmp_path` gives every
test a fresh, real directory that is cheap and isolated; pointing the app at it and reading back
what it wrote proves the real file handling, and the test can still check error paths with real
files.
"""

import json
from pathlib import Path

import pytest


# Stand-in for the app's code: from app.exports import export_report
def export_report(out_dir: Path, name: str, rows: list[dict]) -> Path:
    target = out_dir / "reports" / f"{name}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".part")
    tmp.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    tmp.replace(target)  # readers never see a half-written report
    return target


@pytest.fixture
def out_dir(tmp_path):
    return tmp_path / "exports"


def test_export_report_writes_real_files(out_dir):
    path = export_report(out_dir, "café", [{"city": "Zürich", "total": 3}])
    assert path == out_dir / "reports" / "café.json"
    assert json.loads(path.read_text(encoding="utf-8")) == [{"city": "Zürich", "total": 3}]
    assert [p.name for p in path.parent.iterdir()] == ["café.json"]  # no leftover temp file
    assert export_report(out_dir, "café", []).read_text(encoding="utf-8") == "[]"  # replaced whole
