"""Patching the token check (`verify_token`, `jwt.decode`, a `get_current_user` dependency) turns
authentication off in exactly the tests that should prove it works: a wrong algorithm, an expired
token, a missing audience or a tampered signature all pass, because nothing is verified. Signing
real tokens with a key pair generated in the test and running them through the app's real
verification code proves that valid tokens are accepted and bad ones are refused, with no shared
secret checked into the repository and no call to the identity provider.
"""

from datetime import datetime, timedelta, timezone

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa


# Stand-in for the app's code: from app.auth import current_user
def current_user(token: str, public_key) -> str:
    claims = jwt.decode(token, public_key, algorithms=["RS256"], audience="api")
    return claims["sub"]


@pytest.fixture
def signing_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def make_token(key, *, sub="ada", audience="api", expires_in=timedelta(minutes=5)) -> str:
    claims = {"sub": sub, "aud": audience, "exp": datetime.now(timezone.utc) + expires_in}
    return jwt.encode(claims, key, algorithm="RS256")


def test_current_user_accepts_only_valid_tokens(signing_key):
    public_key = signing_key.public_key()
    assert current_user(make_token(signing_key), public_key) == "ada"
    with pytest.raises(jwt.ExpiredSignatureError):
        current_user(make_token(signing_key, expires_in=timedelta(minutes=-1)), public_key)
    with pytest.raises(jwt.InvalidAudienceError):
        current_user(make_token(signing_key, audience="admin"), public_key)
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(jwt.InvalidSignatureError):
        current_user(make_token(stranger), public_key)
