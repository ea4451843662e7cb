"""Apply the rules file to what the detectors found: severity per category, then tolerations.

- A category set to `off` drops its findings; the others take their category's severity.
- A finding that matches a live toleration (every field it gives) moves to `tolerated`, its
  `reason` set to the toleration's reason and owner. All matching tolerations count as used.
- An expired toleration (today is after `expires`) tolerates nothing and yields a warning notice,
  so the finding it used to cover blocks again and the team sees why.
- A toleration of the rules file that matched nothing in this run yields a notice: exceptions
  should not pile up forever. The built-in environment toleration is never reported as unused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from .rulesfile.defaults import ConfigAnswers, TolerationTerms
from .model import Finding, Notice
from .rules import ALL_RULES

# A rule may be milder by default than its category (MG303, a skipif on a live probe: a warning).
RULE_DEFAULT_SEVERITY = {rule.id: s for rule in ALL_RULES if (s := getattr(rule, "default_severity", None))}
_ORDER = ("error", "warning", "notice", "off")


def _at_most(severity: str, ceiling: str | None) -> str:
    if ceiling is None or severity not in _ORDER:
        return severity
    return max(severity, ceiling, key=_ORDER.index)


@dataclass(frozen=True)
class PolicyResult:
    findings: tuple[Finding, ...]
    tolerated: tuple[Finding, ...]
    notices: tuple[Notice, ...]


def apply_policy(findings: Sequence[Finding], config: ConfigAnswers, *, today: date) -> PolicyResult:
    own = config.tolerate
    expired = [t for t in own if t.expires is not None and today > t.expires]
    live = [t for t in config.tolerations() if not any(t is e for e in expired)]

    kept: list[Finding] = []
    tolerated: list[Finding] = []
    used: set[int] = set()
    would_have: dict[int, int] = {}  # expired toleration -> findings it no longer covers
    for finding in findings:
        severity = config.rule_severity(finding.rule) or _at_most(
            config.severity_for(finding.category), RULE_DEFAULT_SEVERITY.get(finding.rule)
        )
        if severity == "off":
            continue
        finding = replace(finding, severity=severity)
        matching = [t for t in live if _covers(t, finding)]
        for toleration in expired:
            if _covers(toleration, finding):
                would_have[id(toleration)] = would_have.get(id(toleration), 0) + 1
        if matching:
            used.update(id(t) for t in matching)
            tolerated.append(replace(finding, reason=matching[0].reason_text()))
        else:
            kept.append(finding)

    notices = [_expired_notice(t, config, would_have.get(id(t), 0)) for t in expired]
    notices += [
        _unused_notice(t, config) for t in own if id(t) not in used and not any(t is e for e in expired)
    ]
    return PolicyResult(tuple(kept), tuple(tolerated), tuple(notices))


def _covers(toleration: TolerationTerms, finding: Finding) -> bool:
    return toleration.matches(
        path=finding.path,
        construct=finding.construct,
        target=finding.target,
        category=finding.category,
        origin=finding.origin,
    )


def _name(toleration: TolerationTerms) -> str:
    owner = f", owner {toleration.owner}" if toleration.owner else ""
    return f"toleration ({toleration.describe()}{owner})"


def _expired_notice(toleration: TolerationTerms, config: ConfigAnswers, covered: int) -> Notice:
    assert toleration.expires is not None  # only tolerations with a date in the past expire
    effect = (
        f"; it would have tolerated {covered} finding{'s' if covered != 1 else ''} of this change"
        if covered
        else ""
    )
    return Notice(
        path=config.source,
        line=toleration.line,
        level="warning",
        message=f"{_name(toleration)} expired on {toleration.expires.isoformat()} and no longer "
        f"applies{effect}: renew it with a new date or remove it",
    )


def _unused_notice(toleration: TolerationTerms, config: ConfigAnswers) -> Notice:
    return Notice(
        path=config.source,
        line=toleration.line,
        level="notice",
        message=f"unused {_name(toleration)}: it matched nothing in this run; consider removing it",
    )
