"""Applying the rules file to findings: severities, tolerations, expiry and unused notices."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from bot.engine.rulesfile import default_config, load_config
from bot.engine.model import Finding
from bot.engine.policy import PolicyResult, apply_policy

TODAY = date(2025, 6, 15)


def finding(
    construct: str = "patch",
    target: str | None = "app.ws.create_manager",
    category: str = "websocket",
    path: str = "tests/integration/test_chat.py",
    line: int = 7,
) -> Finding:
    return Finding(
        path=path,
        line=line,
        column=5,
        end_line=line,
        construct=construct,
        target=target,
        category=category,
        rule="MG101",
        severity="error",
        message=f"new {construct} of {target}",
        template=None,
    )


def run(rules: str, *findings: Finding, today: date = TODAY) -> PolicyResult:
    return apply_policy(list(findings), load_config(rules), today=today)


# --- severity -----------------------------------------------------------------------------------


def test_defaults_keep_every_mock_as_an_error():
    result = apply_policy([finding()], default_config(), today=TODAY)
    assert [f.severity for f in result.findings] == ["error"]
    assert result.tolerated == () and result.notices == ()


def test_severity_per_category_and_off_drops():
    result = run(
        "severity:\n  time: warning\n  http: off\n",
        finding(category="time", construct="freezegun", target=None),
        finding(category="http", construct="responses", target=None),
        finding(category="database", target="app.db.session"),
    )
    assert [(f.category, f.severity) for f in result.findings] == [
        ("time", "warning"),
        ("database", "error"),
    ]


# --- tolerations ----------------------------------------------------------------------------------


def test_target_pattern_tolerates_with_reason_and_owner():
    result = run(
        "tolerate:\n"
        "  - target: 'app.billing.*'\n"
        "    reason: no sandbox for refunds\n"
        "    owner: '@payments'\n",
        finding(target="app.billing.stripe.refund", category="http"),
        finding(target="app.ws.create_manager"),
    )
    assert [f.target for f in result.tolerated] == ["app.billing.stripe.refund"]
    assert result.tolerated[0].reason == "no sandbox for refunds (owner: @payments)"
    assert [f.target for f in result.findings] == ["app.ws.create_manager"]
    assert result.notices == ()


def test_reason_without_owner_is_the_reason():
    result = run("tolerate:\n  - category: time\n    reason: fixed dates\n", finding(category="time"))
    assert result.tolerated[0].reason == "fixed dates"


def test_every_given_field_must_match():
    rules = (
        "tolerate:\n"
        "  - construct: monkeypatch.setattr\n"
        "    category: time\n"
        "    paths: tests/e2e/reports/\n"
        "    reason: month boundaries\n"
    )
    right = finding(construct="monkeypatch.setattr", category="time", path="tests/e2e/reports/test_m.py")
    wrong_construct = finding(construct="patch", category="time", path="tests/e2e/reports/test_m.py")
    wrong_category = finding(
        construct="monkeypatch.setattr", category="http", path="tests/e2e/reports/test_m.py"
    )
    wrong_path = finding(construct="monkeypatch.setattr", category="time", path="tests/e2e/billing/test_m.py")
    result = run(rules, right, wrong_construct, wrong_category, wrong_path)
    assert [f for f in result.tolerated] == [replace(right, reason="month boundaries")]
    assert result.findings == (wrong_construct, wrong_category, wrong_path)


def test_a_target_pattern_never_matches_a_site_without_target():
    result = run("tolerate:\n  - target: '*'\n    reason: r\n", finding(construct="MagicMock", target=None))
    assert len(result.findings) == 1 and result.tolerated == ()


def test_lists_match_any_of_their_values():
    result = run(
        "tolerate:\n  - construct: [freezegun, time_machine]\n    reason: dates\n",
        finding(construct="freezegun", category="time", target=None),
        finding(construct="time_machine", category="time", target=None),
        finding(construct="patch", category="time", target="app.clock.now"),
    )
    assert [f.construct for f in result.tolerated] == ["freezegun", "time_machine"]
    assert [f.construct for f in result.findings] == ["patch"]


def test_a_category_set_to_off_is_dropped_before_tolerations():
    result = run(
        "severity:\n  time: off\ntolerate:\n  - category: time\n    reason: r\n",
        finding(category="time"),
    )
    assert result.findings == () and result.tolerated == ()


def test_tolerated_findings_carry_their_category_severity():
    result = run(
        "severity:\n  time: notice\ntolerate:\n  - category: time\n    reason: r\n",
        finding(category="time"),
    )
    assert result.tolerated[0].severity == "notice"


# --- expiry and unused tolerations -----------------------------------------------------------------


EXPIRING = (
    "fail_on: error\n"
    "tolerate:\n"
    "  - target: app.ws.*\n"
    "    reason: the websocket fixture lands next sprint\n"
    "    owner: '@chat'\n"
    "    expires: 2025-06-14\n"
)


def test_an_expired_toleration_stops_applying_and_says_so():
    result = apply_policy([finding()], load_config(EXPIRING, "ci/mg.yml"), today=TODAY)
    assert len(result.findings) == 1 and result.tolerated == ()
    (notice,) = result.notices
    assert notice.path == "ci/mg.yml"
    assert notice.line == 3
    assert notice.level == "warning"
    assert "expired on 2025-06-14" in notice.message
    assert "target app.ws.*" in notice.message and "@chat" in notice.message
    assert "would have tolerated 1 finding" in notice.message


def test_a_toleration_still_applies_on_its_expiry_day():
    result = run(EXPIRING, finding(), today=date(2025, 6, 14))
    assert len(result.tolerated) == 1 and result.findings == () and result.notices == ()


def test_an_expired_toleration_is_reported_even_when_nothing_matches():
    result = run(EXPIRING, finding(target="app.db.session", category="database"))
    assert [n.level for n in result.notices] == ["warning"]
    assert "would have" not in result.notices[0].message


def test_an_unused_toleration_is_reported():
    result = run(
        "tolerate:\n"
        "  - target: app.ws.*\n"
        "    reason: used\n"
        "  - target: app.legacy.*\n"
        "    reason: left over\n",
        finding(),
    )
    assert len(result.tolerated) == 1
    (notice,) = result.notices
    assert notice.level == "notice"
    assert notice.line == 4 and notice.path == ".github/mockguard.yml"
    assert "unused toleration (target app.legacy.*)" in notice.message
    assert "consider removing" in notice.message


def test_overlapping_tolerations_all_count_as_used():
    result = run(
        "tolerate:\n"
        "  - target: app.ws.create_manager\n"
        "    reason: specific\n"
        "  - category: websocket\n"
        "    reason: broad\n",
        finding(),
    )
    assert result.tolerated[0].reason == "specific"
    assert result.notices == ()


# --- the built-in environment toleration -----------------------------------------------------------


ENVIRONMENT = [
    finding(construct="monkeypatch.setenv", target="DATABASE_URL", category="generic"),
    finding(construct="monkeypatch.delenv", target="HOME", category="generic"),
    finding(construct="patch.dict", target="os.environ", category="generic"),
    finding(construct="mocker.patch.dict", target="os.environ", category="generic"),
]


@pytest.mark.parametrize("config", [default_config(), load_config("fail_on: warning\n")])
def test_environment_patching_is_tolerated_by_default(config):
    result = apply_policy(ENVIRONMENT, config, today=TODAY)
    assert result.findings == ()
    assert len(result.tolerated) == 4
    assert all("environment variables" in (f.reason or "") for f in result.tolerated)
    assert result.notices == ()  # the built-in toleration is never "unused"


def test_patching_another_dict_is_not_environment():
    result = apply_policy(
        [finding(construct="patch.dict", target="app.settings.FEATURES", category="generic")],
        default_config(),
        today=TODAY,
    )
    assert len(result.findings) == 1


def test_environment_toleration_can_be_switched_off():
    result = run("tolerate_environment: false\n", *ENVIRONMENT)
    assert len(result.findings) == 4 and result.tolerated == ()


def test_user_tolerations_keep_the_environment_one():
    result = run(
        "tolerate:\n  - category: time\n    reason: r\n",
        finding(category="time"),
        *ENVIRONMENT,
    )
    assert len(result.tolerated) == 5 and result.findings == ()
