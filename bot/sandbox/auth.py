"""App authentication as GitHub does it (docs/sandbox.md, [gh: app-auth]): RS256 JWTs for the App, then installation tokens.

- `Authorization: Bearer <jwt>` authenticates as the App. The JWT must be RS256, signed with the
  App's key, `iss` the App ID (an integer or its digits) or its client ID, `iat` not in the
  future, `exp` in the future and at most 10 minutes after both now and `iat`.
- `Authorization: token <t>` or `Bearer <t>` with an installation token authenticates as the
  installation until the token expires (one hour by default).
- A JWT is only accepted as `Bearer` ([gh: app-auth]).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

import jwt
from jwt.exceptions import InvalidTokenError

from . import errors
from .config import SandboxSettings
from .state import InstallationToken, SandboxState

MAX_JWT_LIFETIME = 600


@dataclass
class Identity:
    kind: str  # "app", "installation" or "anonymous"
    installation_id: int | None = None
    permissions: dict[str, str] = field(default_factory=dict)
    token: InstallationToken | None = None

    @property
    def bucket(self) -> str:
        if self.kind == "installation":
            return f"installation:{self.installation_id}"
        return self.kind


ANONYMOUS = Identity("anonymous")


def _split_header(header: str | None) -> tuple[str, str] | None:
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    return scheme.lower(), value.strip()


def _looks_like_jwt(value: str) -> bool:
    parts = value.split(".")
    if len(parts) != 3 or not all(parts[:2]):
        return False
    try:
        header = jwt.get_unverified_header(value)
    except InvalidTokenError:
        return False
    return isinstance(header, dict)


def bucket_for(header: str | None, state: SandboxState) -> tuple[str, int | None]:
    """Which rate-limit bucket a request falls in, without verifying anything (for headers)."""
    split = _split_header(header)
    if split is None:
        return "anonymous", None
    _scheme, value = split
    record = state.tokens.get(value)
    if record is not None and record.expires_at > time.time():
        return f"{record.kind}:{record.installation_id}", record.installation_id
    if _looks_like_jwt(value):
        return "app", None
    return "anonymous", None


def verify_app_jwt(value: str, cfg: SandboxSettings) -> None:
    """Raise GitHub's 401 unless `value` is a JWT the App signed, within GitHub's time limits."""
    try:
        header = jwt.get_unverified_header(value)
        claims = jwt.decode(value, options={"verify_signature": False})
    except (InvalidTokenError, json.JSONDecodeError, ValueError):
        raise errors.jwt_error(errors.JWT_NOT_DECODED) from None
    if header.get("alg") != "RS256":
        raise errors.jwt_error(errors.JWT_NOT_DECODED)
    iss = claims.get("iss")
    if iss is None:
        raise errors.jwt_error(errors.JWT_ISS_MISSING)
    if isinstance(iss, bool) or not (
        isinstance(iss, int) or (isinstance(iss, str) and (iss.isdigit() or iss.startswith("Iv")))
    ):
        raise errors.jwt_error(errors.JWT_ISS_NOT_INTEGER)
    if str(iss) not in (str(cfg.app_id), cfg.resolved_client_id):
        # Another App's ID: GitHub checks the signature with that App's key, which cannot match.
        raise errors.jwt_error(errors.JWT_NOT_DECODED)
    try:
        jwt.decode(
            value,
            cfg.public_key_pem,
            algorithms=["RS256"],
            options={"verify_exp": False, "verify_iat": False, "verify_nbf": False, "verify_aud": False},
        )
    except InvalidTokenError:
        raise errors.jwt_error(errors.JWT_NOT_DECODED) from None
    now = time.time()
    exp, iat = claims.get("exp"), claims.get("iat")
    if isinstance(exp, bool) or not isinstance(exp, (int, float)) or exp <= now:
        raise errors.jwt_error(errors.JWT_EXP_INVALID)
    if isinstance(iat, bool) or not isinstance(iat, int) or iat > now + cfg.jwt_leeway:
        raise errors.jwt_error(errors.JWT_IAT_INVALID)
    if exp - now > MAX_JWT_LIFETIME or exp - iat > MAX_JWT_LIFETIME:
        raise errors.jwt_error(errors.JWT_EXP_TOO_FAR)


def authenticate(header: str | None, cfg: SandboxSettings, state: SandboxState) -> Identity:
    """Who sent the request. Anonymous without a header; 401 for anything that does not check out."""
    split = _split_header(header)
    if split is None:
        return ANONYMOUS
    scheme, value = split
    if scheme not in ("bearer", "token") or not value:
        raise errors.bad_credentials()
    record = state.tokens.get(value)
    if record is not None:
        if record.expires_at <= time.time():
            raise errors.bad_credentials()
        return Identity("installation", record.installation_id, dict(record.permissions), record)
    if _looks_like_jwt(value):
        if scheme != "bearer":
            raise errors.bad_credentials()
        verify_app_jwt(value, cfg)
        return Identity("app")
    raise errors.bad_credentials()


def require_app(identity: Identity) -> None:
    """The /app endpoints take the App's JWT and nothing else."""
    if identity.kind != "app":
        # An installation token (or nothing) where a JWT is expected (kubevalidator#48 and others).
        raise errors.jwt_error(errors.JWT_NOT_DECODED)


_LEVELS = {"read": 1, "write": 2, "admin": 3}


def has_permission(identity: Identity, resource: str, level: str) -> bool:
    if resource == "metadata":
        return True
    granted = identity.permissions.get(resource)
    return granted is not None and _LEVELS.get(granted, 0) >= _LEVELS[level]


def require_permission(identity: Identity, *alternatives: tuple[str, str]) -> None:
    """403 unless the token holds one of the (resource, level) alternatives."""
    if any(has_permission(identity, resource, level) for resource, level in alternatives):
        return
    accepted = "; ".join(f"{resource}={level}" for resource, level in alternatives)
    raise errors.not_accessible(accepted)
