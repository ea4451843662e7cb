"""The service's settings, read from MOCKGUARD_* environment variables (pydantic-settings), and
the start-up check that `serve` and `worker` run before anything else: the App starts right or
not at all, with every problem of its configuration in one message."""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from pydantic import AnyHttpUrl, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

PREFIX = "MOCKGUARD_"
# Other mockguard commands read these; they are not the service's and not typos.
OTHER_TOOLS = ("MOCKGUARD_SANDBOX_",)
MIN_SECRET = 16  # GitHub's docs ask for a random, high-entropy secret; 16 characters is a floor
KEY_HELP = "docs/service.md, 'Giving the container its key'"


class Settings(BaseSettings):
    # "ignore", not "forbid": other tools share the prefix (MOCKGUARD_SANDBOX_WEBHOOK_SECRET, ...);
    # load_settings warns about the names nobody reads.
    model_config = SettingsConfigDict(env_prefix=PREFIX, extra="ignore")

    app_id: int = Field(gt=0, description="The GitHub App's id (App settings page).")
    private_key_file: Path | None = Field(None, description="PEM file of the App's private key.")
    private_key: SecretStr | None = Field(None, description="The PEM itself, when a file is awkward.")
    webhook_secret: SecretStr | None = Field(None, description="The App's webhook secret.")
    webhook_secret_file: Path | None = Field(None, description="A file holding the webhook secret (Docker secrets).")
    github_api_url: AnyHttpUrl = Field(AnyHttpUrl("https://api.github.com"), description="GitHub's REST API root.")
    data_dir: Path = Field(Path("./mockguard-data"), description="Where the SQLite store and queue live.")
    queue_url: str | None = Field(
        None, description="redis://... to share the queue, the job store and the throttle between machines; "
                          "default SQLite in data_dir.")
    check_name: str = Field("mockguard", description="The check run's name (what branch protection requires).")
    workers: int = Field(2, ge=0, description="Worker threads in `serve`; 0 when `mockguard worker` runs them.")
    max_body_bytes: int = Field(25 * 1024 * 1024, description="Larger webhook bodies get 413 (GitHub caps at 25 MB).")
    concurrency: int = Field(4, ge=1, description="Requests in flight per installation.")
    write_interval: float = Field(1.0, ge=0, description="Seconds between writes per installation (Octokit's pace).")
    max_rate_limit_wait: float = Field(300.0, description="Longest a job waits out a rate limit before failing.")
    secondary_limit_wait: float = Field(60.0, ge=0, description="Wait after a secondary rate limit that gives no "
                                                               "Retry-After (GitHub: at least a minute).")
    github_attempts: int = Field(5, ge=1, description="Tries per GitHub request on transient errors.")
    github_backoff: float = Field(0.5, description="First retry delay in seconds (exponential, with jitter).")
    job_attempts: int = Field(5, ge=1, description="Tries per job before its check run completes as failed.")
    job_retry_delay: float = Field(2.0, description="Delay before a job's second try; doubles each try.")
    git_fetch: bool = Field(True, description="Read pull requests with git (a cached partial clone per repository); "
                                              "false: through the REST API only.")
    repo_cache_dir: Path | None = Field(None, description="Where the clones live (default: data_dir/repos).")
    repo_cache_max_bytes: int = Field(2 * 1024**3, ge=0, description="Size of the clone cache; least recently used go first.")
    repo_cache_max_repos: int = Field(200, ge=1, description="Most repositories kept in the clone cache.")
    reconcile_interval: float = Field(600.0, description="Seconds between scans for PRs missing a check; 0 turns scans off.")
    reconcile_limit: int = Field(50, description="Most jobs one reconcile scan queues.")
    heartbeat_interval: float = Field(2.0, description="Seconds between renewals of a worker's job leases.")
    stale_after: float = Field(10.0, description="A job's lease: one its worker stopped renewing is picked up again.")
    log_level: str = Field("INFO")

    @cached_property
    def pem(self) -> str:
        if self.private_key is not None:
            return self.private_key.get_secret_value()
        assert self.private_key_file is not None
        return self.private_key_file.read_text()

    @property
    def secret(self) -> str:
        if self.webhook_secret is None and self.webhook_secret_file is not None:
            self.webhook_secret = SecretStr(self.webhook_secret_file.read_text().strip())
        assert self.webhook_secret is not None
        return self.webhook_secret.get_secret_value()

    @property
    def api_url(self) -> str:
        return str(self.github_api_url).rstrip("/")


class ConfigurationError(Exception):
    """The service cannot start; `problems` lists every reason, each naming its variable."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(self.message())

    def message(self) -> str:
        count = len(self.problems)
        head = "mockguard cannot start: " + ("1 problem" if count == 1 else f"{count} problems") + " in its MOCKGUARD_* settings"
        return "\n".join([head, *(f"  - {problem}" for problem in self.problems)])


def load_settings(*, reach_redis: bool = True) -> tuple[Settings, list[str]]:
    """The settings, and warnings (unknown MOCKGUARD_* variables), or ConfigurationError listing
    everything wrong at once: a key that is missing, unreadable or not an RSA private key, a
    missing or short webhook secret, a bad App id, a Redis that does not answer, ..."""
    environ = os.environ
    problems: list[str] = []
    settings: Settings | None = None
    try:
        settings = Settings()
    except ValidationError as error:
        problems += [_field_problem(err, environ) for err in error.errors()]
    key_file = environ.get(f"{PREFIX}PRIVATE_KEY_FILE")
    key_problem = private_key_problem(Path(key_file) if key_file else None, environ.get(f"{PREFIX}PRIVATE_KEY"))
    if key_problem:
        problems.append(key_problem)
    problems += _secret_problems(environ)
    # From the variables themselves, so that they are checked even when another setting is wrong.
    queue_url = environ.get(f"{PREFIX}QUEUE_URL")
    if queue_url:
        if reach_redis and (problem := redis_problem(queue_url)):
            problems.append(problem)
    elif problem := _data_dir_problem(Path(environ.get(f"{PREFIX}DATA_DIR") or Settings.model_fields["data_dir"].default)):
        problems.append(problem)
    if problems:
        raise ConfigurationError(list(dict.fromkeys(problems)))
    assert settings is not None
    settings.secret  # noqa: B018 - read the secret file once, now that it is known to be readable
    return settings, unknown_variables(environ)


def _field_problem(error: Mapping, environ: Mapping[str, str]) -> str:
    name = f"{PREFIX}{'_'.join(map(str, error['loc'])).upper()}" if error.get("loc") else "settings"
    if name == f"{PREFIX}APP_ID":
        return _app_id_problem(environ) or f"{name}: {error['msg']}"
    given = environ.get(name)
    shown = f"={given!r}" if given is not None and "SECRET" not in name and name != f"{PREFIX}PRIVATE_KEY" else ""
    return f"{name}{shown}: {error['msg']}"


def _app_id_problem(environ: Mapping[str, str]) -> str | None:
    value = environ.get(f"{PREFIX}APP_ID")
    if value is None or not value.strip():
        return "MOCKGUARD_APP_ID is not set: the App's numeric id, shown as 'App ID' on the App's settings page"
    if not value.strip().isdigit() or int(value) <= 0:
        return f"MOCKGUARD_APP_ID={value!r} is not an App id: expected a positive whole number such as 123456 (the App's settings page)"
    return None


def private_key_problem(file: Path | None, inline: str | None) -> str | None:
    """Why the App's private key cannot be used, or None: it must be readable and parse as an RSA
    private key (the PEM GitHub lets you download). Also what /readyz asks."""
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    if inline:
        where, data = "MOCKGUARD_PRIVATE_KEY", inline.encode()
    elif file is not None:
        where = f"MOCKGUARD_PRIVATE_KEY_FILE={file}"
        try:
            data = file.read_bytes()
        except FileNotFoundError:
            return f"{where}: no such file"
        except IsADirectoryError:
            return f"{where}: is a directory, not the key's PEM file"
        except PermissionError:
            return f"{where}: permission denied: {_who()} cannot read it{_owner(file)}; make it readable by this user ({KEY_HELP})"
        except OSError as error:
            return f"{where}: cannot be read: {error.strerror}"
    else:
        return "no private key: set MOCKGUARD_PRIVATE_KEY_FILE to the App's PEM file (or MOCKGUARD_PRIVATE_KEY to its text)"
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except TypeError:
        return f"{where}: the key is encrypted with a passphrase; give the unencrypted PEM GitHub downloads"
    except (ValueError, UnsupportedAlgorithm):
        return f"{where}: does not parse as a PEM private key (expected the '-----BEGIN RSA PRIVATE KEY-----' file GitHub downloads)"
    if not isinstance(key, rsa.RSAPrivateKey):
        return f"{where}: is a {type(key).__name__.removeprefix('_').replace('PrivateKey', '')} private key, not RSA: GitHub Apps sign with RSA keys"
    return None


def _who() -> str:
    uid, gid = os.getuid(), os.getgid()
    try:
        import pwd

        name = pwd.getpwuid(uid).pw_name
    except (ImportError, KeyError):
        name = "?"
    return f"user {name} (uid {uid}, gid {gid})"


def _owner(file: Path) -> str:
    try:
        stat = file.stat()
    except OSError:
        return ""
    return f" (owned by uid {stat.st_uid}, gid {stat.st_gid}, mode {stat.st_mode & 0o777:o})"


def _secret_problems(environ: Mapping[str, str]) -> list[str]:
    secret, file = environ.get(f"{PREFIX}WEBHOOK_SECRET"), environ.get(f"{PREFIX}WEBHOOK_SECRET_FILE")
    where = "MOCKGUARD_WEBHOOK_SECRET"
    if not secret and file:
        where = f"MOCKGUARD_WEBHOOK_SECRET_FILE={file}"
        try:
            secret = Path(file).read_text().strip()
        except FileNotFoundError:
            return [f"{where}: no such file"]
        except PermissionError:
            return [f"{where}: permission denied: {_who()} cannot read it{_owner(Path(file))}"]
        except (OSError, UnicodeDecodeError) as error:
            return [f"{where}: cannot be read: {getattr(error, 'strerror', None) or error}"]
    if not secret:
        return ["no webhook secret: set MOCKGUARD_WEBHOOK_SECRET (or MOCKGUARD_WEBHOOK_SECRET_FILE) to the App's webhook secret"]
    if len(secret) < MIN_SECRET:
        return [f"{where}: the webhook secret is {len(secret)} characters; use at least {MIN_SECRET} random ones (e.g. `openssl rand -hex 32`), and the same in the App's settings"]
    return []


def redis_problem(url: str) -> str | None:
    shown = redact(url)
    if urlsplit(url).scheme not in ("redis", "rediss", "unix"):
        return f"MOCKGUARD_QUEUE_URL={shown}: not a Redis URL (redis://HOST:PORT/DB, rediss:// or unix://)"
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3)
        try:
            client.ping()
        finally:
            client.close()
    except (redis.RedisError, OSError, ValueError) as error:
        return f"MOCKGUARD_QUEUE_URL={shown}: Redis does not answer ({error})"
    return None


def redact(url: str) -> str:
    """The URL with its password replaced: settings are echoed, secrets never."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc}"))


def _data_dir_problem(path: Path) -> str | None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        return f"MOCKGUARD_DATA_DIR={path}: cannot be created ({error.strerror}) by {_who()}"
    if not os.access(path, os.W_OK | os.X_OK):
        return f"MOCKGUARD_DATA_DIR={path}: {_who()} cannot write there (the SQLite store and queue live in it)"
    return None


def unknown_variables(environ: Mapping[str, str]) -> list[str]:
    """A warning for each MOCKGUARD_* variable nothing reads, with a did-you-mean: a typo such as
    MOCKGUARD_QUEUE_ULR would otherwise silently fall back to the default."""
    known = [f"{PREFIX}{name.upper()}" for name in Settings.model_fields]
    warnings = []
    for name in sorted(environ):
        upper = name.upper()
        if not upper.startswith(PREFIX) or upper in known or upper.startswith(OTHER_TOOLS):
            continue
        close = difflib.get_close_matches(upper, known, n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]}?)" if close else ""
        warnings.append(f"unknown setting {name} is ignored{hint}")
    return warnings
