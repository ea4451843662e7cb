"""`mockguard sandbox`: a GitHub-compatible REST server for one repository, on loopback.

    mockguard sandbox --repo DIR --base SHA --head SHA --owner O --name N \\
        --app-id ID --public-key app.pub.pem --port 8765 [--webhook-url URL --webhook-secret S]

    mockguard sandbox deliver --sandbox-url http://127.0.0.1:8765 --event pull_request --action opened
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from pydantic import ValidationError

from .config import DEFAULT_PERMISSIONS, PullSpec, SandboxSettings
from .limits import Limits, SecondaryForm

SECRET_ENV = "MOCKGUARD_SANDBOX_WEBHOOK_SECRET"
# Options that are settings of the same name (SandboxSettings); the others are built below.
SETTINGS_OPTIONS = ("repo", "owner", "name", "app_id", "installation_id", "host", "port", "app_slug", "app_name",
                    "client_id", "owner_type", "pr_author", "webhook_url", "webhook_secret", "token_ttl", "rate_limit",
                    "max_files", "max_patch_lines", "jwt_leeway", "default_branch")


def parse_pulls(values: tuple[str, ...], base: str | None, head: str | None) -> list[PullSpec]:
    """`--pr N` (uses --base/--head) or `--pr N:BASE:HEAD`, repeatable; default one pull request, #1."""
    specs: list[PullSpec] = []
    for value in values or ("1",):
        parts = value.split(":")
        if len(parts) == 3:
            number, pr_base, pr_head = parts
        elif len(parts) == 1:
            if not base or not head:
                raise click.UsageError(f"--pr {value} needs --base and --head (or use --pr NUMBER:BASE:HEAD)")
            number, pr_base, pr_head = parts[0], base, head
        else:
            raise click.UsageError(f"--pr {value!r}: expected NUMBER or NUMBER:BASE:HEAD")
        try:
            n = int(number)
        except ValueError:
            raise click.UsageError(f"--pr {value!r}: the pull request number must be an integer") from None
        if n < 1 or any(s.number == n for s in specs):
            raise click.UsageError(f"--pr {value!r}: numbers must be positive and distinct")
        specs.append(PullSpec(n, pr_base, pr_head))
    return specs


def parse_permissions(value: str | None) -> dict[str, str]:
    if not value:
        return dict(DEFAULT_PERMISSIONS)
    out: dict[str, str] = {}
    for item in value.split(","):
        resource, _, level = item.strip().partition("=")
        if not resource or level not in ("read", "write", "admin"):
            raise click.UsageError(f"--permissions {item!r}: expected RESOURCE=read|write")
        out[resource] = level
    out.setdefault("metadata", "read")
    return out


def fault_rules(fail: tuple[str, ...], secondary: int, secondary_status: int, retry_after: int, drop: int,
                faults_json: str | None, latency_ms: int) -> dict:
    rules: list[dict] = []
    for item in fail:
        status, _, count = item.partition(":")
        try:
            rules.append({"kind": "error", "status": int(status), "count": int(count or 1)})
        except ValueError:
            raise click.UsageError(f"--fail {item!r}: expected STATUS[:COUNT], e.g. 502:2") from None
    if secondary:
        rules.append({"kind": "secondary_rate_limit", "status": secondary_status, "retry_after": retry_after,
                      "count": secondary})
    if drop:
        rules.append({"kind": "drop", "count": drop})
    data: dict = {"latency_ms": latency_ms, "rules": rules}
    if faults_json:
        text = Path(faults_json).read_text() if Path(faults_json).is_file() else faults_json
        extra = json.loads(text)
        data["rules"] = rules + list(extra.get("rules", []))
        if "latency_ms" in extra:
            data["latency_ms"] = extra["latency_ms"]
    return data


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--repo", type=click.Path(exists=True, file_okay=False), help="Local git repository (bare or not).")
@click.option("--base", help="Base commit (sha or ref) of the pull request.")
@click.option("--head", help="Head commit (sha or ref) of the pull request.")
@click.option("--owner", help="Repository owner the API serves (OWNER in /repos/OWNER/NAME).")
@click.option("--name", help="Repository name the API serves.")
@click.option("--app-id", type=int, help="The GitHub App's ID (the JWT's iss).")
@click.option("--public-key", type=click.Path(exists=True, dir_okay=False),
              help="PEM file with the App's public key (a private key PEM works too).")
@click.option("--port", type=int, default=0, show_default=True, help="Port to listen on; 0 picks a free one.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--pr", "prs", multiple=True, metavar="N[:BASE:HEAD]",
              help="Pull request number (default 1); repeat as N:BASE:HEAD for more pull requests.")
@click.option("--installation-id", type=int, default=1, show_default=True)
@click.option("--webhook-url", help="Where POST /_sandbox/deliver sends webhooks (the App's webhook URL).")
@click.option("--webhook-secret", envvar=SECRET_ENV, help=f"Secret that signs deliveries (or ${SECRET_ENV}).")
@click.option("--app-slug", default="mockguard", show_default=True, help="App slug; its bot is SLUG[bot].")
@click.option("--app-name", default="mockguard", show_default=True)
@click.option("--client-id", help="The App's client ID (also accepted as the JWT's iss).")
@click.option("--owner-type", type=click.Choice(["User", "Organization"]), default="User", show_default=True)
@click.option("--pr-author", help="Login of the pull request's author (default: the owner).")
@click.option("--permissions", help="Installation permissions, e.g. checks=write,contents=read,pull_requests=write.")
@click.option("--token-ttl", type=int, default=3600, show_default=True, help="Installation token lifetime (s).")
@click.option("--rate-limit", type=int, default=5000, show_default=True, help="Requests per hour per installation.")
@click.option("--max-concurrent", type=int, default=Limits.concurrent, show_default=True,
              help="Secondary limit: requests in flight per installation (0: no limit).")
@click.option("--points-per-minute", type=int, default=Limits.points_per_minute, show_default=True,
              help="Secondary limit: points per minute per installation, a GET 1 and a write 5 (0: no limit).")
@click.option("--content-per-minute", type=int, default=Limits.content_per_minute, show_default=True,
              help="Secondary limit: content-creating requests (POSTs) per minute (0: no limit).")
@click.option("--content-per-hour", type=int, default=Limits.content_per_hour, show_default=True,
              help="Secondary limit: content-creating requests (POSTs) per hour (0: no limit).")
@click.option("--no-secondary-limits", is_flag=True, help="Turn every secondary limit off (for load tests).")
@click.option("--secondary-form", default=SecondaryForm().describe(), show_default=True,
              metavar="403|429[,retry-after][,remaining-0]",
              help="How an exceeded secondary limit is answered (a fault rule says its own form).")
@click.option("--max-files", type=int, default=3000, show_default=True, help="Files listed per pull request.")
@click.option("--max-patch-lines", type=int, help="Leave `patch` out for files with more changed lines.")
@click.option("--jwt-leeway", type=int, default=0, show_default=True, help="Seconds an `iat` may be in the future.")
@click.option("--fail", multiple=True, metavar="STATUS[:COUNT]", help="Answer COUNT requests with STATUS (5xx).")
@click.option("--latency-ms", type=int, default=0, show_default=True, help="Latency added to every answer.")
@click.option("--secondary-rate-limit", type=int, default=0, metavar="COUNT",
              help="Answer COUNT requests with a secondary rate limit.")
@click.option("--secondary-rate-limit-status", type=click.Choice(["403", "429"]), default="403", show_default=True)
@click.option("--retry-after", type=int, default=60, show_default=True, help="Retry-After of secondary limits.")
@click.option("--drop", type=int, default=0, metavar="COUNT", help="Drop the connection of COUNT requests.")
@click.option("--faults", "faults_json", metavar="JSON|FILE", help="More fault rules, as POST /_sandbox/faults takes.")
@click.option("--default-branch", help="The repository's default branch (default: main, master or HEAD's branch).")
@click.option("--log-level", default="warning", show_default=True)
@click.pass_context
def sandbox(ctx: click.Context, **opts) -> None:
    """Serve GitHub's REST API for one repository on loopback, with one App installation.

    Other repositories, pull requests and installations answer 404 as GitHub does. GET
    /_sandbox/state shows what clients posted; POST /_sandbox/faults and /_sandbox/deliver steer it.
    """
    if ctx.invoked_subcommand is not None:
        return
    missing = [f"--{k.replace('_', '-')}" for k in ("repo", "owner", "name", "app_id", "public_key") if not opts[k]]
    if missing:
        raise click.UsageError(f"missing {', '.join(missing)}")
    pulls = parse_pulls(opts["prs"], opts["base"], opts["head"])
    try:
        secondary_form = SecondaryForm.parse(opts["secondary_form"])
    except ValueError as error:
        raise click.UsageError(f"--secondary-form {error}") from None
    values = {key: opts[key] for key in SETTINGS_OPTIONS if opts[key] is not None}
    limits = Limits.off() if opts["no_secondary_limits"] else Limits(
        opts["max_concurrent"], opts["points_per_minute"], opts["content_per_minute"], opts["content_per_hour"])
    try:
        cfg = SandboxSettings(**values, public_key_pem=_public_pem(Path(opts["public_key"]).read_bytes()),
                              pulls=pulls, permissions=parse_permissions(opts["permissions"]), limits=limits,
                              secondary_form=secondary_form)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        raise click.UsageError(problems) from None
    faults = fault_rules(opts["fail"], opts["secondary_rate_limit"], int(opts["secondary_rate_limit_status"]),
                         opts["retry_after"], opts["drop"], opts["faults_json"], opts["latency_ms"])
    from .gitdata import GitError
    from .server import serve

    try:
        serve(cfg, log_level=opts["log_level"], faults=faults)
    except (GitError, ValueError) as error:
        raise click.ClickException(str(error)) from None


def _public_pem(data: bytes) -> bytes:
    """Accept the App's public key, or its private key (whose public half is used)."""
    if b"PRIVATE KEY" not in data:
        return data
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_private_key(data, password=None)
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


@sandbox.command("deliver")
@click.option("--sandbox-url", envvar="MOCKGUARD_SANDBOX_URL", required=True,
              help="The running sandbox, e.g. http://127.0.0.1:8765 (or $MOCKGUARD_SANDBOX_URL).")
@click.option("--event", required=True, type=click.Choice(["pull_request", "check_suite", "check_run"]))
@click.option("--action", required=True, help="opened, synchronize, reopened, requested, rerequested, ...")
@click.option("--pr", "pull_number", type=int, help="Pull request number (default: the first).")
@click.option("--head", help="Move the pull request's head here first (a push; use with synchronize).")
@click.option("--check-run-id", type=int)
@click.option("--check-suite-id", type=int)
@click.option("--to", "url", help="Webhook URL (default: the sandbox's --webhook-url).")
@click.option("--secret", help="Signing secret (default: the sandbox's --webhook-secret).")
@click.option("--delivery-id", help="Reuse a delivery GUID to simulate a redelivery.")
@click.option("--show-payload", is_flag=True, help="Print the payload and headers too.")
def deliver_command(sandbox_url: str, event: str, action: str, pull_number: int | None, head: str | None,
                    check_run_id: int | None, check_suite_id: int | None, url: str | None, secret: str | None,
                    delivery_id: str | None, show_payload: bool) -> None:
    """Send a signed webhook for a pull request of a running sandbox."""
    import httpx

    body = {"event": event, "action": action, "pull_number": pull_number, "head": head,
            "check_run_id": check_run_id, "check_suite_id": check_suite_id, "url": url, "secret": secret,
            "delivery_id": delivery_id}
    response = httpx.post(f"{sandbox_url.rstrip('/')}/_sandbox/deliver",
                          json={k: v for k, v in body.items() if v is not None}, timeout=30)
    result = response.json()
    if response.status_code != 200:
        raise click.ClickException(result.get("message", response.text))
    if not show_payload:
        result = {k: v for k, v in result.items() if k not in ("payload", "headers")}
    click.echo(json.dumps(result, indent=2))
    if result.get("error") or not (result.get("status") or 0) // 100 == 2:
        sys.exit(1)
