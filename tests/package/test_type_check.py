"""The type check CI runs: mypy over all of bot/, nothing switched off, strict where it is promised.

CI (`.ci/run`) runs `.venv/bin/python -m mypy` before the tests; these checks keep its configuration
from quietly losing a module or a flag.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STRICT_FLAGS = {  # what `mypy --strict` turns on, less the global-only ones set beside them
    "disallow_any_generics", "disallow_subclassing_any", "disallow_untyped_calls", "disallow_untyped_defs",
    "disallow_incomplete_defs", "check_untyped_defs", "disallow_untyped_decorators", "warn_return_any",
    "no_implicit_reexport", "strict_equality", "extra_checks",
}


def mypy_config() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]


def test_ci_type_checks_after_set_up_and_before_the_tests():
    lines = [line.split("#")[0].strip() for line in (ROOT / ".ci/run").read_text().splitlines()]
    steps = [line for line in lines if line]
    setup = steps.index("bash scripts/setup.sh")
    mypy = steps.index(".venv/bin/python -m mypy")
    pytest = next(i for i, step in enumerate(steps) if step.startswith(".venv/bin/python -m pytest"))
    assert setup < mypy < pytest


def test_every_bot_module_is_checked_and_none_is_switched_off():
    config = mypy_config()
    assert config["files"] == ["bot"]
    # Only the demo's sample repository (another project's files, shipped as data) is left out.
    assert config.get("exclude") == ["^bot/demo/sample/"]
    for override in config.get("overrides", []):
        modules = override["module"] if isinstance(override["module"], list) else [override["module"]]
        assert "ignore_errors" not in override, override
        assert override.get("follow_imports") != "skip", override
        if override.get("ignore_missing_imports"):
            assert not any(m == "bot" or m.startswith("bot.") for m in modules), override
    assert not config.get("ignore_missing_imports"), "name the third-party packages without types instead"


def test_the_engine_and_the_github_boundary_are_strict():
    strict = [o for o in mypy_config()["overrides"] if {"bot.engine.*", "bot.github.*"} <= set(o["module"])]
    assert strict, "no override for bot.engine and bot.github"
    assert all(strict[0].get(flag) is True for flag in STRICT_FLAGS), STRICT_FLAGS - {
        flag for flag, value in strict[0].items() if value is True}
    assert {"bot.engine", "bot.github"} <= set(strict[0]["module"])  # the packages' own __init__ too
