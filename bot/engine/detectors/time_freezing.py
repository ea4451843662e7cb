"""MG108: freezing or moving time with freezegun or time-machine."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import libcst as cst
else:
    from ..lazy import libcst as cst  # loaded on first use

from .base import Draft, Invalid, Library, Rule, UseContext, expression_text, positional

FREEZER = "freezegun.api.FrozenDateTimeFactory"
CLOCK_LIBRARIES = (
    Library("freezegun", modules=("freezegun",), star_exports={"freezegun": ("freeze_time",)}, category="time"),
    Library(
        "time_machine",
        modules=("time_machine",),
        fixtures={"time_machine": "time_machine.TimeMachineFixture"},
        category="time",
    ),
    # pytest-freezer's `freezer` freezes the clock as soon as a test or fixture requests it.
    Library("pytest_freezer", fixtures={"freezer": FREEZER}, labels=("pytest-freezer",), category="time"),
)

FREEZERS = {
    "freezegun.freeze_time": "freezegun",
    "freezegun.api.freeze_time": "freezegun",
    "time_machine.travel": "time_machine",
    "time_machine.TimeMachineFixture.move_to": "time_machine",
    "time_machine.TimeMachineFixture.shift": "time_machine",
}


class TimeFreeze(Rule):
    id = "MG108"
    name = "frozen-time-in-integration-test"
    summary = "An integration test freezes or moves the clock by patching time"
    what_it_does = """
        Flags each new `freeze_time(...)` (freezegun) and `time_machine.travel(...)`, as a
        decorator, a context manager or a call, a move of the `time_machine` fixture, and each
        test or fixture that requests pytest-freezer's `freezer` (requesting it freezes the clock).
    """
    why_bad = """
        Freezing time patches `datetime`, `time` and friends process-wide, including inside the
        database driver, the HTTP client and the event loop, so the integration test runs against
        a clock no real component ever sees.
    """
    example = """
        @freeze_time("2024-01-01")
        def test_token_expires(client):
            ...
    """
    use_instead = """
        Make the time an input: pass a clock (or `now`) into the code under test from a fixture,
        and assert on values relative to it.
    """
    VALID = ("import datetime\n\ndef test_x(clock):\n    assert clock.now() <= datetime.datetime.now()\n",)
    INVALID = (
        Invalid("from freezegun import freeze_time\n\n@freeze_time('2024-01-01')\ndef test_x():\n    pass\n", lines=(3,), construct="freezegun", category="time"),
        Invalid("import time_machine\n\ndef test_x():\n    with time_machine.travel(0):\n        pass\n", lines=(4,), construct="time_machine"),
    )

    libraries = CLOCK_LIBRARIES
    trigger_words = frozenset(q.rsplit(".", 1)[-1] for q in FREEZERS)

    def on_call(self, qualified: str, call: cst.Call, ctx: UseContext) -> Draft | None:
        library = FREEZERS.get(qualified)
        if library is None:
            return None
        return Draft(
            construct=library,
            library=library,
            target=expression_text(positional(call, 0), ctx),
            component=f"time:{library}:{ctx.test_name}",
        )

    def on_parameter(self, kind: str, param: cst.Param, ctx: UseContext) -> Draft | None:
        if kind != FREEZER:
            return None
        return Draft(construct="freezer", library="pytest-freezer", component=f"time:freezer:{ctx.test_name}")
