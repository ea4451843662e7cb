"""An App's real RSA key pair (the launcher's, which the demo uses too) and JWTs signed with it
(any claims, for the refusal tests)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from bot.sandbox.launcher import write_app_keys

__all__ = ["make_jwt", "write_app_keys"]


def _b64(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def make_jwt(private_pem: bytes, app_id: Any, *, iat: Any = None, exp: Any = None, algorithm: str = "RS256",
             drop: tuple[str, ...] = (), **extra: Any) -> str:
    """A JWT built by hand (any claim types, HS256 too), signed with the App's private key."""
    now = int(time.time())
    claims = {"iat": now - 60 if iat is None else iat, "exp": now + 300 if exp is None else exp, "iss": app_id}
    claims.update(extra)
    for name in drop:
        claims.pop(name, None)
    header = _b64(json.dumps({"alg": algorithm, "typ": "JWT"}).encode())
    payload = _b64(json.dumps(claims).encode())
    signing_input = header + b"." + payload
    if algorithm == "RS256":
        key = serialization.load_pem_private_key(private_pem, password=None)
        assert isinstance(key, rsa.RSAPrivateKey)
        signature = key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    elif algorithm == "HS256":
        signature = hmac.new(private_pem, signing_input, hashlib.sha256).digest()
    else:
        signature = b""
    return (signing_input + b"." + _b64(signature)).decode()
