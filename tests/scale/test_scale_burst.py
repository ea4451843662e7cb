"""A burst of 200 signed deliveries over 20 pull requests, sent to two web replicas, worked off by
two worker processes on one Redis: every head asked about gets its check, nothing twice."""

from __future__ import annotations

import random

import pytest
from tests.scale.scale_harness import (
    WAIT,
    Pulls,
    completed_count,
    opened,
    rerun,
    runs_by_head,
    suite_requested,
    synchronize,
)
from tests.service.service_harness import review_comments, wait_until

pytestmark = pytest.mark.e2e

PULLS = 20
PUSHED = set(range(2, PULLS + 1, 2))  # even pull requests got a second push before any delivery arrived


def burst(fleet, unique: list, total: int, rng: random.Random) -> list:
    """The unique deliveries plus redeliveries (same delivery id) up to `total`, shuffled."""
    copies = [rng.choice(unique) for _ in range(total - len(unique))]
    deliveries = unique + copies
    rng.shuffle(deliveries)
    return fleet.send(deliveries)


def check_answers(answers: list, unique: list) -> None:
    # A copy arriving while another replica is accepting the same delivery is told so (409): it is
    # never acknowledged without being recorded. Every delivery is acknowledged at least once.
    assert {status for _, status, _ in answers} <= {202, 409}, answers
    acknowledged = {delivery for delivery, status, _ in answers if status == 202}
    assert acknowledged == {delivery for _, _, delivery in unique}
    first = [body["status"] for delivery, status, body in answers if status == 202]
    assert first.count("accepted") == len(unique)  # each delivery id was acted on exactly once


def test_a_burst_over_twenty_pull_requests_ends_with_one_check_per_head_and_nothing_twice(fleet):
    rng = random.Random(7)
    pulls = Pulls(fleet.repo, PULLS, PUSHED)
    fleet.start_redis()
    sandbox = fleet.start_sandbox(pulls)
    for number in PUSHED:
        sandbox.push(number, pulls.second[number])
    fleet.add_web(), fleet.add_web()
    fleet.add_worker(), fleet.add_worker()

    # Openings (late, for pushed pull requests), check suites, synchronizes, and their redeliveries.
    first_wave = [opened(pulls, n) for n in range(1, PULLS + 1)]
    first_wave += [suite_requested(pulls, n) for n in range(1, PULLS + 1)]
    first_wave += [synchronize(pulls, n) for n in sorted(PUSHED)]
    answers = burst(fleet, first_wave, 160, rng)
    check_answers(answers, first_wave)
    expected_runs = PULLS + len(PUSHED)  # one per head asked about
    wait_until(lambda: completed_count(sandbox.snapshot()) >= expected_runs, "the first wave's checks", WAIT)

    # Then the Re-run button on every pull request, each pressed once and redelivered once.
    reruns = [rerun(pulls, n) for n in range(1, PULLS + 1)]
    answers = burst(fleet, reruns, 40, rng)
    check_answers(answers, reruns)
    expected_runs += PULLS  # a re-run is a new check run, as on GitHub
    wait_until(lambda: completed_count(sandbox.snapshot()) >= expected_runs, "the re-runs' checks", WAIT)
    wait_until(lambda: sum(w.metric("mockguard_jobs_running") for w in fleet.workers) == 0, "idle workers")

    state = sandbox.snapshot()
    runs = runs_by_head(state)
    assert not [r for r in state["check_runs"] if r["status"] != "completed"]
    assert len(state["check_runs"]) == expected_runs
    for n in range(1, PULLS + 1):
        current = runs[pulls.head(n)]
        assert [r["conclusion"] for r in current] == ["failure", "failure"], n  # the first run and the re-run
        if n in PUSHED:  # the outdated head: completed, saying a newer commit is being checked
            [old] = runs[pulls.first[n]]
            assert old["conclusion"] == "neutral"
            assert "newer commit" in old["output"]["summary"]
            assert pulls.second[n][:7] in old["output"]["summary"]

    comments = review_comments(state)
    for n in range(1, PULLS + 1):
        mine = [c for c in comments if c["pull_number"] == n]
        assert len(mine) == pulls.expected_comments(n), n
        assert {c["commit_id"] for c in mine} == {pulls.head(n)}  # never on an outdated commit
        assert all(c["path"] == f"tests/integration/test_orders_{n}.py" for c in mine)
        assert len([r for r in state["reviews"] if r["pull_number"] == n]) == 1
        assert len([c for c in state["issue_comments"] if c["issue_number"] == n]) == 1
    # Each comment carries its finding's fingerprint: the same body twice on a pull request is a double post.
    assert len({(c["pull_number"], c["body"]) for c in comments}) == len(comments)
