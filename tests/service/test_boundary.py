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


class _Clock:
    """A clock the throttle can sleep on without the test waiting."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 3))
        self.now += seconds


def test_writes_are_spaced_per_installation_and_reads_are_not():
    from bot.github import LocalThrottle

    clock = _Clock()
    lanes = LocalThrottle(concurrency=2, write_interval=1.0, clock=clock.time, sleep=clock.sleep)
    for method in ("POST", "GET", "PATCH", "GET"):
        with lanes.slot(1, method):
            pass
    with lanes.slot(2, "POST"):  # another installation has its own pace
        pass
    assert clock.slept == [1.0]


def test_a_rate_limit_pauses_the_lane_and_a_long_one_is_refused():
    import pytest

    from bot.github import LocalThrottle, RateLimitTooLong

    clock = _Clock()
    lanes = LocalThrottle(max_wait=30, clock=clock.time, sleep=clock.sleep)
    lanes.block(1, 5)
    with lanes.slot(1, "GET"):
        pass
    assert clock.slept == [5.0]
    lanes.block(1, 3600)
    with pytest.raises(RateLimitTooLong) as refused:
        with lanes.slot(1, "GET"):
            pass
    assert refused.value.wait > 30


def test_every_documented_rate_limit_answer_asks_for_the_documented_wait():
    from bot.github.retries import SECONDARY_LIMIT_WAIT, rate_limit_wait

    now = 1_000.0
    secondary = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
    # Retry-After wins, on a 403 or a 429.
    assert rate_limit_wait(403, {"Retry-After": "7"}, secondary, now) == 7
    assert rate_limit_wait(429, {"retry-after": "3", "x-ratelimit-remaining": "0"}, "", now) == 3
    # No Retry-After, nothing left: until the reset (and a second for clocks).
    assert rate_limit_wait(403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1030"}, "API rate limit exceeded",
                           now) == 31
    # No Retry-After, plenty left, the secondary-limit message: at least a minute, as documented.
    assert rate_limit_wait(403, {"x-ratelimit-remaining": "4711"}, secondary, now) == SECONDARY_LIMIT_WAIT
    assert rate_limit_wait(429, {"x-ratelimit-remaining": "4711"}, "", now) == SECONDARY_LIMIT_WAIT
    # A 403 that is about permissions is no rate limit: it fails for good.
    assert rate_limit_wait(403, {"x-ratelimit-remaining": "4711"}, "Resource not accessible by integration", now) is None
    assert rate_limit_wait(500, {"retry-after": "1"}, "", now) is None
