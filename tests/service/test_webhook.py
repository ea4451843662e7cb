"""The webhook door: signatures, malformed and oversized bodies, unknown events, health and metrics."""

from __future__ import annotations

import json

import pytest
from tests.service.service_harness import PAYLOADS, mocked_change, payload

pytestmark = pytest.mark.e2e


def test_a_bad_or_missing_signature_gets_401_and_records_nothing(world):
    base, head = mocked_change(world.repo)
    sandbox, service = world.start(base, head, settings={"MOCKGUARD_MAX_BODY_BYTES": "200000"})
    body = json.dumps(payload("pull_request.opened", base=base, head=head)).encode()
    delivery = "5d2b8c1a-1111-4000-8000-00000000aaaa"

    wrong = service.post("pull_request", {}, body=body, delivery=delivery, signature="sha256=" + "0" * 64)
    missing = service.post("pull_request", {}, body=body, delivery=delivery, signature="")
    assert (wrong.status_code, missing.status_code) == (401, 401)
    assert sandbox.check_runs(head) == []

    # The same delivery id, now properly signed, is new to the service: the 401s left no trace.
    accepted = service.post("pull_request", {}, body=body, delivery=delivery)
    assert accepted.status_code == 202
    assert accepted.json()["status"] == "accepted"
    assert sandbox.completed_run(head)["conclusion"] == "failure"


def test_malformed_oversized_and_unknown_deliveries_get_4xx_or_are_ignored(world):
    base, head = mocked_change(world.repo)
    sandbox, service = world.start(base, head, settings={"MOCKGUARD_MAX_BODY_BYTES": "200000"})

    assert service.post("pull_request", {}, body=b"{not json").status_code == 400
    assert service.post("pull_request", {"action": "opened"}).status_code == 400  # lacks the pull request
    assert service.post("pull_request", {}, body=b"[" + b" " * 300_000 + b"]").status_code == 413
    ignored = service.post("star", {"action": "created"})
    assert ignored.status_code == 202 and ignored.json()["status"] == "ignored"
    assert service.post("ping", json.loads((PAYLOADS / "ping.json").read_text())
                        ).status_code == 202

    assert service.http.get("/healthz").json()["status"] == "ok"
    metrics = service.http.get("/metrics").text
    assert 'mockguard_deliveries_received_total{event="pull_request",outcome="rejected_400"} 2.0' in metrics
    assert 'mockguard_deliveries_received_total{event="pull_request",outcome="rejected_413"} 1.0' in metrics
    assert "mockguard_github_requests_total" in metrics
    assert "mockguard_delivery_to_check_seconds" in metrics
    assert sandbox.check_runs(head) == []
    assert service.alive()  # no 500, no crash
    assert "Traceback" not in service.output()
