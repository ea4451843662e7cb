"""The rules file the README shows must load: a reader copies it."""

from __future__ import annotations

import re
from pathlib import Path

from bot.engine.rulesfile import load_config

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_rules_file_example_loads_and_means_what_it_says():
    block = re.search(r"```yaml\n(version: 1\n.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert block, "the README shows a rules file that starts with `version: 1`"

    config = load_config(block.group(1), "README.md")

    assert config.is_integration_test("tests/it/orders/test_checkout.py")
    assert not config.is_integration_test("tests/it/legacy/test_old.py")
    assert config.severity_for("filesystem") == "off"
    assert config.severity_for("time") == "warning"
    assert config.fail_on == "error"
