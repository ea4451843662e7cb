"""Freezing or patching time (`patch("app.billing.datetime")`, `freezegun`, a mocked `time.time`)
swaps a global for the whole process, so the test no longer checks the code that really reads the
clock: a patch on the wrong module path silently has no effect, naive and aware datetimes get
mixed, and the code under test cannot be run with two different "nows" side by side. Passing the
time in, or injecting a clock callable that defaults to the real one, makes time an ordinary
argument: the test states the moments it cares about, production keeps
`datetime.now(timezone.utc)`, and no global is patched.
"""

from datetime import datetime, timedelta, timezone

import pytest


# Stand-in for the app's code: from app.billing import Trial
class Trial:
    def __init__(self, started: datetime, clock=lambda: datetime.now(timezone.utc)):
        self.started = started
        self.clock = clock  # production uses the real clock; tests pass their own

    def days_left(self) -> int:
        return max(0, 14 - (self.clock() - self.started).days)


@pytest.fixture
def start():
    return datetime(2024, 2, 20, 9, 0, tzinfo=timezone.utc)


def test_trial_runs_for_fourteen_days(start):
    now = start
    trial = Trial(started=start, clock=lambda: now)
    assert trial.days_left() == 14
    now = start + timedelta(days=13, hours=23)
    assert trial.days_left() == 1
    now = start + timedelta(days=30)
    assert trial.days_left() == 0
    assert Trial(started=datetime.now(timezone.utc)).days_left() == 14  # the real clock, too
