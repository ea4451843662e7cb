"""Prometheus metrics, on a registry of the service's own (so tests and reloads do not collide)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.deliveries = Counter("mockguard_deliveries_received", "Webhook deliveries received, by event and outcome",
                                  ["event", "outcome"], registry=self.registry)
        self.jobs_queued = Counter("mockguard_jobs_queued", "Review jobs queued", registry=self.registry)
        self.jobs_running = Gauge("mockguard_jobs_running", "Review jobs running now", registry=self.registry)
        self.jobs_done = Counter("mockguard_jobs_completed", "Review jobs completed, by conclusion",
                                 ["conclusion"], registry=self.registry)
        self.jobs_failed = Counter("mockguard_jobs_failed", "Review job attempts that raised", registry=self.registry)
        self.github_calls = Counter("mockguard_github_requests", "GitHub API requests, by method and status",
                                    ["method", "status"], registry=self.registry)
        self.delivery_to_check = Histogram(
            "mockguard_delivery_to_check_seconds", "Time from the webhook delivery to the completed check run",
            buckets=(0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600), registry=self.registry)

    def github_response(self, method: str, status: int | str) -> None:
        self.github_calls.labels(method=method, status=str(status)).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)
