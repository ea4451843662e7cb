"""The GitHub boundary's pure parts: signatures, diff hunks, markers, token caching."""

from __future__ import annotations

from bot.github import commentable_lines, sign, valid_signature
from bot.github.auth import InstallationTokens
from bot.service.markers import finding_marker, fingerprints_in, review_marker


def test_signature_matches_githubs_documented_vector():
    secret, body = "It's a Secret to Everybody", b"Hello, World!"
    expected = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    assert sign(secret, body) == expected
    assert valid_signature(secret, body, expected)
    assert not valid_signature(secret, body + b" ", expected)
    assert not valid_signature(secret, body, None)
    assert not valid_signature(secret, body, expected.replace("sha256=", "sha1="))


def test_commentable_lines_are_the_head_side_of_each_hunk():
    patch = "@@ -1,2 +1,3 @@\n a\n+b\n c\n@@ -10 +11,2 @@\n-x\n+y\n+z\n"
    assert commentable_lines(patch) == {1, 2, 3, 11, 12}
    assert commentable_lines(None) == frozenset()  # no patch: no line is safe to comment on


def test_markers_round_trip_and_tell_resolved_from_open():
    body = f"text {finding_marker('ab12:1')} more {finding_marker('cd34:2', resolved=True)} {review_marker('f' * 40)}"
    assert fingerprints_in(body) == [("ab12:1", False), ("cd34:2", True)]


def test_installation_tokens_are_reused_until_shortly_before_expiry():
    minted = []
    now = [1_000_000.0]

    def mint(installation_id: int) -> tuple[str, str]:
        minted.append(installation_id)
        return f"token-{len(minted)}", "1970-01-12T14:46:40Z"

    # expires_at is 1970-01-12T14:46:40Z == 1_003_600 s: an hour after "now".
    tokens = InstallationTokens(mint, clock=lambda: now[0])
    assert tokens.get(7) == "token-1"
    now[0] += 50 * 60  # 10 minutes left: still good
    assert tokens.get(7) == "token-1"
    now[0] += 6 * 60  # 4 minutes left: inside the margin, a fresh one is minted
    assert tokens.get(7) == "token-2"
    assert minted == [7, 7]
