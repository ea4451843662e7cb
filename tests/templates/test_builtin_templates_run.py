"""Every built-in template must really run green, as shipped and as `adapt` hands it to a user.

Each template is copied into a fresh folder, next to its adapted snippet, and run by a separate
pytest process: the same way a user runs it after pasting it into their own project (no conftest,
no config of ours). The services are real: uvicorn on loopback, redis-server, SQLite files.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from bot.engine.model import CATEGORIES
from bot.engine.templates import adapt, builtin_template


def run_pytest(folder) -> tuple[dict[str, str], str]:
    """Run pytest in `folder`: each test's outcome by name (from its JUnit report), and the output."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")}
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs",
         f"--basetemp={folder / 'tmp'}", "--junitxml=report.xml"],
        cwd=folder, env=env, capture_output=True, text=True, timeout=180,
    )
    outcomes = {}
    for case in ET.parse(folder / "report.xml").getroot().iter("testcase"):
        verdicts = [child.tag for child in case if child.tag in ("failure", "error", "skipped")]
        outcomes[case.get("name")] = verdicts[0] if verdicts else "passed"
    return outcomes, completed.stdout + completed.stderr


@pytest.mark.e2e
@pytest.mark.parametrize("category", CATEGORIES)
def test_template_runs_green_as_shipped_and_adapted(category, tmp_path):
    template = builtin_template(category)
    module = category.replace("-", "_")
    pasted_name = f"test_pasted_{module}"
    (tmp_path / f"test_{module}_shipped.py").write_text(template.code, encoding="utf-8")
    snippet = adapt(template, test_name=pasted_name, target=f"app.{module}.client")
    (tmp_path / f"test_{module}_pasted.py").write_text(snippet, encoding="utf-8")

    outcomes, output = run_pytest(tmp_path)

    if category == "redis" and shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed; scripts/setup.sh installs it")
    assert len(outcomes) == 2, output
    assert outcomes.pop(pasted_name) == "passed", output
    assert list(outcomes.values()) == ["passed"], output
