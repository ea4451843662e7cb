"""The GitHub Action's work (action.yml runs `python -m bot.action` from mockguard's own environment).

It reads the workflow's event (`GITHUB_EVENT_PATH`), makes the checkout hold the pull request's base,
head and merge base (a depth-1 checkout works), and runs one mode:

- `annotations`: `mockguard check --format github`, whose workflow commands the runner turns into
  annotations on the pull request's diff. Needs no write permission.
- `sarif`: `mockguard check --format sarif` into a file for `github/codeql-action/upload-sarif`.
- `review`: `mockguard review`, the App's review job with the workflow's token (inline comments, a
  check run or, where the token cannot create one, a commit status, and the summary comment); where
  the token may write neither, the findings are still shown as annotations.

The rules file is always read at the base revision, never from the pull request's own copy, and
nothing of the pull request is imported or run: its files are read as git objects and parsed.
Outputs go to `GITHUB_OUTPUT`, a Markdown summary to `GITHUB_STEP_SUMMARY`. Exit status: 1 with
blocking findings (unless `fail-on: never`), 0 without, 2 when the run could not complete.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.checkout import CheckoutError, ensure_pull_commits

MODES = ("annotations", "review", "sarif")
FAIL_ON = ("rules", "error", "warning", "notice", "never")
SEVERITY_RANK = {"notice": 1, "warning": 2, "error": 3}
PULL_EVENTS = ("pull_request", "pull_request_target")


class ActionError(Exception):
    """The run cannot complete; the message says why and what to change."""


@dataclass
class Inputs:
    mode: str
    rules_file: str
    fail_on: str
    sarif_file: str
    token_env: str
    api_url: str

    @classmethod
    def from_env(cls, env: dict[str, str]) -> "Inputs":
        mode = env.get("MOCKGUARD_MODE", "").strip() or "annotations"
        fail_on = env.get("MOCKGUARD_FAIL_ON", "").strip() or "rules"
        if mode not in MODES:
            raise ActionError(f"input mode: {mode!r} is not one of {', '.join(MODES)}")
        if fail_on not in FAIL_ON:
            raise ActionError(f"input fail-on: {fail_on!r} is not one of {', '.join(FAIL_ON)}")
        rules_file = env.get("MOCKGUARD_RULES_FILE", "").strip()
        if mode == "review" and rules_file:  # never silently ignored
            raise ActionError("input rules-file: review mode reads .github/mockguard.yml from the base branch, "
                              "as the App does; rules-file applies to the annotations and sarif modes")
        return cls(mode=mode, rules_file=rules_file, fail_on=fail_on,
                   sarif_file=env.get("MOCKGUARD_SARIF_FILE", "").strip() or "mockguard.sarif",
                   token_env="MOCKGUARD_TOKEN", api_url=env.get("GITHUB_API_URL", "https://api.github.com"))


@dataclass
class Pull:
    repo: str
    number: int
    base_sha: str
    head_sha: str
    base_ref: str
    fork: bool

    @classmethod
    def from_event(cls, env: dict[str, str]) -> "Pull":
        name = env.get("GITHUB_EVENT_NAME", "")
        if name not in PULL_EVENTS:
            raise ActionError(f"mockguard runs on pull_request events; this workflow ran on {name or 'an unknown event'!r}")
        try:
            event = json.loads(Path(env["GITHUB_EVENT_PATH"]).read_text(encoding="utf-8"))
            pull = event["pull_request"]
            head_repo = (pull["head"].get("repo") or {}).get("full_name")
            return cls(repo=event["repository"]["full_name"], number=int(pull["number"]),
                       base_sha=pull["base"]["sha"], head_sha=pull["head"]["sha"], base_ref=pull["base"]["ref"],
                       fork=head_repo != event["repository"]["full_name"])
        except (KeyError, TypeError, ValueError, OSError) as error:
            raise ActionError(f"cannot read the pull request from GITHUB_EVENT_PATH: {error}") from None


@dataclass
class Result:
    findings: int = 0
    blocking: int = 0
    posted: str = ""  # review mode: check-run, status or annotations
    sarif_file: str = ""
    lines: list[str] = field(default_factory=list)  # the job summary's body


def mockguard() -> list[str]:
    return [sys.executable, "-m", "bot.cli"]


def blocking_count(report: dict[str, Any], fail_on: str) -> int:
    """Blocking findings under the action's `fail-on` (or the rules file's own gate for `rules`)."""
    if fail_on == "rules":
        return int(report["summary"]["blocking"])
    if fail_on == "never":
        return 0
    threshold = SEVERITY_RANK[fail_on]
    return sum(1 for finding in report["findings"] if SEVERITY_RANK.get(finding.get("severity", ""), 0) >= threshold)


def _rules_at_base(workspace: Path, base: str, path: str, scratch: Path) -> list[str]:
    """`--config` with the rules file as it is at the base revision (a pull request never relaxes its own gate)."""
    if not path:
        return []
    shown = subprocess.run(["git", "-C", str(workspace), "show", f"{base}:{path}"], capture_output=True)
    if shown.returncode != 0:
        raise ActionError(f"input rules-file: {path} does not exist at the base revision {base[:12]}")
    target = scratch / Path(path).name
    target.write_bytes(shown.stdout)
    return ["--config", str(target)]


def _check(workspace: Path, merge_base: str, head: str, config: list[str], fmt: str) -> subprocess.CompletedProcess[str]:
    command = [*mockguard(), "check", "--repo", str(workspace), "--base", merge_base, "--head", head, *config,
               "--format", fmt]
    return subprocess.run(command, capture_output=True, text=True)


def run_check(inputs: Inputs, pull: Pull, workspace: Path) -> Result:
    try:
        merge_base = ensure_pull_commits(workspace, pull.base_sha, pull.head_sha,
                                         refs=(f"refs/pull/{pull.number}/head", f"refs/heads/{pull.base_ref}"))
    except CheckoutError as error:
        raise ActionError(str(error)) from None
    with tempfile.TemporaryDirectory() as scratch:
        config = _rules_at_base(workspace, pull.base_sha, inputs.rules_file, Path(scratch))
        measured = _check(workspace, merge_base, pull.head_sha, config, "json")
        if measured.returncode not in (0, 1):
            raise ActionError((measured.stderr.strip() or "mockguard check failed").replace("mockguard: ", "", 1))
        report = json.loads(measured.stdout)
        result = Result(findings=int(report["summary"]["findings"]), blocking=blocking_count(report, inputs.fail_on))
        if inputs.mode == "annotations":
            shown = _check(workspace, merge_base, pull.head_sha, config, "github")
            sys.stdout.write(shown.stdout)  # workflow commands: the runner makes them annotations
        else:
            sarif = _check(workspace, merge_base, pull.head_sha, config, "sarif")
            target = Path(inputs.sarif_file)
            target = target if target.is_absolute() else workspace / target
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(sarif.stdout, encoding="utf-8")
            result.sarif_file = str(target)
    result.lines.append(f"Compared {pull.head_sha[:12]} with the merge base {merge_base[:12]} "
                        f"(base `{pull.base_ref}` at {pull.base_sha[:12]}).")
    for finding in report["findings"][:50]:
        result.lines.append(f"- `{finding['path']}:{finding['line']}` {finding['rule']}: {finding['message']}")
    if len(report["findings"]) > 50:
        result.lines.append(f"- ... and {len(report['findings']) - 50} more")
    return result


def run_review(inputs: Inputs, pull: Pull, workspace: Path, env: dict[str, str]) -> Result:
    from bot.review import ReviewRefused, review_pull  # the [github] extra

    try:
        outcome = review_pull(repo=pull.repo, number=pull.number, token=env.get(inputs.token_env, ""),
                              api_url=inputs.api_url, checkout=workspace)
    except ReviewRefused as error:
        raise ActionError(str(error)) from None
    result = Result(findings=outcome.findings, posted=outcome.posted, lines=list(outcome.summary_lines))
    if inputs.fail_on == "rules":
        result.blocking = outcome.blocking
    else:
        result.blocking = blocking_count({"findings": [{"severity": level} for level in outcome.levels]}, inputs.fail_on)
    if outcome.posted == "annotations":
        sys.stdout.write(outcome.annotations)
    return result


def write_outputs(env: dict[str, str], values: dict[str, str]) -> None:
    path = env.get("GITHUB_OUTPUT")
    if path:
        with open(path, "a", encoding="utf-8") as out:
            for key, value in values.items():
                out.write(f"{key}={value}\n")


def write_summary(env: dict[str, str], text: str) -> None:
    path = env.get("GITHUB_STEP_SUMMARY")
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(text)


FALLBACK = {
    "check-run": "Posted as a check run (the token may write checks).",
    "status": "The token may not create check runs, so the result is a commit status.",
    "annotations": "The token may write neither check runs nor commit statuses (a fork's pull request, "
                   "or `permissions:` without `checks: write` / `statuses: write`), so the findings are "
                   "annotations on this run only.",
}


def main(env: dict[str, str] | None = None) -> int:
    env = dict(os.environ if env is None else env)
    mode = env.get("MOCKGUARD_MODE", "") or "annotations"
    try:
        inputs = Inputs.from_env(env)
        pull = Pull.from_event(env)
        workspace = Path(env.get("GITHUB_WORKSPACE") or ".")
        result = run_review(inputs, pull, workspace, env) if inputs.mode == "review" else run_check(inputs, pull, workspace)
    except ActionError as error:
        print(f"::error title=mockguard::{error}")
        write_outputs(env, {"findings": "0", "blocking": "0", "sarif-file": "", "posted": "", "outcome": "error"})
        write_summary(env, f"## mockguard ({mode}): could not run\n\n{error}\n")
        return 2
    failing = result.blocking > 0
    outcome = "failure" if failing else "success"
    write_outputs(env, {"findings": str(result.findings), "blocking": str(result.blocking),
                        "sarif-file": result.sarif_file, "posted": result.posted, "outcome": outcome})
    head = (f"## mockguard ({inputs.mode}): {result.findings} new mock{'s' if result.findings != 1 else ''}, "
            f"{result.blocking} blocking\n\n")
    body = [f"Pull request #{pull.number} of {pull.repo}."]
    if inputs.mode == "review":
        body.append(f"Fall-back chain check run -> commit status -> annotations: {FALLBACK.get(result.posted, result.posted)}")
    if result.sarif_file:
        body.append(f"SARIF written to `{result.sarif_file}` (upload it with `github/codeql-action/upload-sarif`).")
    if inputs.fail_on != "rules":
        body.append(f"`fail-on: {inputs.fail_on}`.")
    write_summary(env, head + "\n".join([*body, "", *result.lines]) + "\n")
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())
