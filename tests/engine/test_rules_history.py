"""`choose_rules`: which rules judge a change when the base branch's rules file does not load."""

from __future__ import annotations

from bot.engine.rulesfile import RULES_FILE, RulesVersion, choose_rules, default_config

GOOD_OLD = "version: 1\nfiles:\n  include: ['checks/**']\ntolerate:\n  - target: app.mailer.*\n    reason: no relay\n"
GOOD_NEWER = "version: 1\nfail_on: warning\n"
BROKEN = "version: 1\nfail_on: sometimes\nseverty: {}\n"


def versions(*texts: str | None) -> list[RulesVersion]:
    """Newest first; commit ids c0 (the base), c1, ..."""
    return [RulesVersion(f"c{n}" + "0" * 39, text) for n, text in enumerate(texts)]


def test_a_base_copy_that_loads_is_used_and_nothing_older_is_read():
    def history():
        yield RulesVersion("a" * 40, GOOD_NEWER)
        raise AssertionError("an older version was read although the base's copy loads")

    choice = choose_rules(history())
    assert choice.config.fail_on == "warning"
    assert choice.broken is None and choice.headline() == "" and choice.explanation() == ""


def test_no_rules_file_at_the_base_means_the_defaults_and_nothing_is_broken():
    choice = choose_rules(versions(None, BROKEN))
    assert choice.broken is None
    assert choice.config.model_dump() == default_config().model_dump()
    assert choose_rules([]).broken is None


def test_a_broken_base_copy_falls_back_to_the_newest_version_that_loads():
    choice = choose_rules(versions(BROKEN, BROKEN, GOOD_NEWER, GOOD_OLD))
    assert choice.used == "c2" + "0" * 39 and choice.tried == 2
    assert choice.config.fail_on == "warning"
    assert [(p.line, p.column) for p in choice.broken.problems] == [(2, 10), (3, 1)]
    headline = choice.headline()
    assert headline.startswith(f"The base branch's rules file is broken: {RULES_FILE}:2:10: fail_on:")
    assert "(+1 more problem)" in headline and "from commit c200000" in headline
    explanation = choice.explanation()
    assert f"{RULES_FILE}:3:1: unknown key 'severty'" in explanation
    assert "never with the change's own copy" in explanation


def test_the_older_version_keeps_its_paths_and_tolerations():
    choice = choose_rules(versions(BROKEN, GOOD_OLD))
    assert choice.config.is_integration_test("checks/test_a.py")
    assert not choice.config.is_integration_test("tests/integration/test_a.py")
    assert choice.config.tolerate[0].target == ("app.mailer.*",)


def test_no_version_that_ever_loaded_means_the_defaults_said_so():
    choice = choose_rules(versions(BROKEN, "fail_on: [\n", BROKEN))
    assert choice.used is None and choice.broken is not None and choice.tried == 2
    assert choice.config.model_dump() == default_config().model_dump()
    assert "built-in defaults (no earlier version" in choice.headline()


def test_a_commit_without_the_file_means_the_defaults_applied_then():
    choice = choose_rules(versions(BROKEN, None, GOOD_OLD))
    assert choice.used is None and choice.absent_at == "c1" + "0" * 39
    assert choice.config.model_dump() == default_config().model_dump()
    assert "there was no .github/mockguard.yml at commit c100000" in choice.headline()


def test_a_version_whose_template_is_missing_at_its_commit_does_not_load():
    names = "version: 1\ntemplates:\n  http: t/http.py\n"
    history = [
        RulesVersion("b" * 40, BROKEN),
        RulesVersion("c" * 40, names, read_file=lambda path: None),  # the template was not there yet
        RulesVersion("d" * 40, names, read_file={"t/http.py": "def test_http(): ...\n"}.get),
    ]
    choice = choose_rules(history)
    assert choice.used == "d" * 40
    assert choice.config.template_texts() == {"t/http.py": "def test_http(): ...\n"}
