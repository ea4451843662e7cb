"""Runs a composite action's steps the way a GitHub runner does, without a runner.

Each step of `runs.steps` must be a `run:` step with `shell: bash`; its `${{ ... }}` expressions
(`inputs.*`, `github.*`, `steps.<id>.outputs.*`) are substituted, its `env:` is set on top of the
workflow's environment, and its script runs as the runner runs it (`bash --noprofile --norc -eo
pipefail FILE`, in GITHUB_WORKSPACE) with a fresh GITHUB_OUTPUT file each, read back as the step's
outputs. A failing step stops the action, as on GitHub. Any other expression, or a `uses:` step,
fails the simulation, so action.yml cannot drift into what this does not cover.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import yaml

EXPRESSION = re.compile(r"\$\{\{\s*([^}]*?)\s*\}\}")


@dataclass
class ActionRun:
    exit_code: int
    outputs: dict[str, str]
    summary: str
    stdout: str
    stderr: str
    steps: list[str] = field(default_factory=list)  # ids (or names) of the steps that ran


def read_outputs(path: Path) -> dict[str, str]:
    """GITHUB_OUTPUT's `key=value` lines and `key<<DELIMITER` blocks."""
    outputs: dict[str, str] = {}
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    index = 0
    while index < len(lines):
        line = lines[index]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            key, delimiter = line.split("<<", 1)
            end = lines.index(delimiter, index + 1)
            outputs[key] = "\n".join(lines[index + 1:end])
            index = end + 1
            continue
        key, _, value = line.partition("=")
        outputs[key] = value
        index += 1
    return outputs


def run_composite(action_dir: Path, *, inputs: dict[str, str], github: dict[str, str], env: dict[str, str],
                  workspace: Path, runner_temp: Path) -> ActionRun:
    action = yaml.safe_load((action_dir / "action.yml").read_text(encoding="utf-8"))
    assert action["runs"]["using"] == "composite"
    declared = action.get("inputs", {})
    unknown = set(inputs) - set(declared)
    assert not unknown, f"inputs the action does not declare: {unknown}"
    context: dict[str, dict] = {"github": dict(github), "steps": {}, "inputs": {}}

    def evaluate(expression: str) -> str:
        parts = expression.split(".")
        if parts[0] == "inputs" and len(parts) == 2:
            return context["inputs"][parts[1]]
        if parts[0] == "github" and len(parts) == 2:
            return context["github"][parts[1]]
        if parts[0] == "steps" and len(parts) == 4 and parts[2] == "outputs":
            return context["steps"].get(parts[1], {}).get(parts[3], "")
        raise AssertionError(f"expression the simulation does not support: {expression}")

    def substitute(text: str) -> str:
        return EXPRESSION.sub(lambda match: evaluate(match.group(1)), str(text))

    for name, spec in declared.items():
        default = substitute(spec.get("default", "")) if "default" in spec else ""
        context["inputs"][name] = inputs.get(name, default)

    summary = runner_temp / "step_summary.md"
    summary.touch()
    base_env = {**env, "GITHUB_ACTION_PATH": str(action_dir), "GITHUB_WORKSPACE": str(workspace),
                "RUNNER_TEMP": str(runner_temp), "GITHUB_STEP_SUMMARY": str(summary), "CI": "true",
                "GITHUB_ACTIONS": "true"}
    stdout, stderr, ran = [], [], []
    exit_code = 0
    for number, step in enumerate(action["runs"]["steps"]):
        assert "uses" not in step and step.get("shell") == "bash", f"step {number} is not a bash run step"
        step_id = step.get("id", f"step{number}")
        output_file = runner_temp / f"output_{number}"
        output_file.touch()
        script = runner_temp / f"step_{number}.sh"
        script.write_text(substitute(step["run"]), encoding="utf-8")
        step_env = {**base_env, "GITHUB_OUTPUT": str(output_file),
                    **{key: substitute(value) for key, value in step.get("env", {}).items()}}
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=workspace,
                              env=step_env, capture_output=True, text=True, timeout=600)
        ran.append(step_id)
        stdout.append(done.stdout)
        stderr.append(done.stderr)
        context["steps"][step_id] = read_outputs(output_file)
        if done.returncode != 0:
            exit_code = done.returncode
            break
    outputs = {name: substitute(spec["value"]) for name, spec in action.get("outputs", {}).items()}
    return ActionRun(exit_code, outputs, summary.read_text(encoding="utf-8"), "".join(stdout), "".join(stderr), ran)


def clean_env() -> dict[str, str]:
    """The machine's environment without this test run's virtual environment or Python settings."""
    return {key: value for key, value in os.environ.items()
            if not key.startswith(("VIRTUAL_ENV", "PYTHON", "GITHUB_", "PYTEST", "MOCKGUARD_"))}
