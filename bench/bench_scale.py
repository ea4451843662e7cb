"""Benchmark the scaled setup: a real redis-server, `mockguard sandbox` answering every GitHub call
after 100 ms (a realistic round trip to api.github.com), two `serve --no-worker` replicas and
1, 2 or 4 `mockguard worker` processes (MOCKGUARD_WORKERS threads each), all on this machine.

1. Deliveries acknowledged per second: a burst of signed deliveries from concurrent clients,
   spread over both replicas (no worker running, so the web role has the machine).
2. Pull requests completed per second with 1, 2 and 4 worker processes: a burst of `opened`
   deliveries, one per pull request, until every check run is completed; and the time from each
   delivery's acknowledgement to its completed check run (median, p99), polled every 50 ms.
   Fleet capacity: many installations' worth of throttle (CONCURRENCY 64, no write spacing).
3. The same burst through ONE installation at the default pace (4 requests in flight and 1 s
   between writes, for the whole fleet): what an organisation installing the App once gets.

Run: .venv/bin/python bench/bench_scale.py [--pulls 40] [--acks 1000] [--clients 32] [--pace-pulls 10]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository root: tests.support

from tests.scale.scale_harness import Fleet, Pulls, opened, suite_requested  # noqa: E402

LATENCY_MS = 100
CAPACITY = {"MOCKGUARD_CONCURRENCY": "64", "MOCKGUARD_WRITE_INTERVAL": "0"}
ONE_INSTALLATION = {"MOCKGUARD_CONCURRENCY": "4", "MOCKGUARD_WRITE_INTERVAL": "1.0"}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def new_fleet(tmp: Path, pulls_count: int) -> tuple[Fleet, Pulls]:
    fleet = Fleet(tmp)
    pulls = Pulls(fleet.repo, pulls_count)
    fleet.start_redis()
    fleet.start_sandbox(pulls, ["--latency-ms", str(LATENCY_MS)])
    return fleet, pulls


def acknowledgements(count: int, clients: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        fleet, pulls = new_fleet(Path(tmp), 20)
        try:
            fleet.add_web(), fleet.add_web()
            events = [(opened if i % 2 else suite_requested)(pulls, i % 20 + 1) for i in range(count)]
            timed: list[float] = []

            def send_one(item):
                index, (event, data, delivery) = item
                started = time.perf_counter()
                response = fleet.webs[index % 2].post(event, data, delivery=delivery)
                timed.append(time.perf_counter() - started)
                return response.status_code

            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=clients) as pool:
                statuses = list(pool.map(send_one, enumerate(events)))
            elapsed = time.perf_counter() - started
            assert set(statuses) == {202}, set(statuses)
            return {"per_second": count / elapsed, "median_ms": statistics.median(timed) * 1000,
                    "p99_ms": percentile(timed, 99) * 1000}
        finally:
            fleet.close()


def completions(pulls_count: int, workers: int, settings: dict[str, str]) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        fleet, pulls = new_fleet(Path(tmp), pulls_count)
        try:
            fleet.settings = settings
            fleet.add_web(), fleet.add_web()
            for _ in range(workers):
                fleet.add_worker()
            deliveries = [opened(pulls, n) for n in range(1, pulls_count + 1)]
            acked: dict[str, float] = {}

            def send_one(item):
                index, (event, data, delivery) = item
                response = fleet.webs[index % 2].post(event, data, delivery=delivery)
                assert response.status_code == 202, response.text
                acked[data["pull_request"]["head"]["sha"]] = time.perf_counter()

            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=16) as pool:
                list(pool.map(send_one, enumerate(deliveries)))
            done: dict[str, float] = {}
            while len(done) < pulls_count:
                if time.perf_counter() - started > 900:
                    raise RuntimeError(f"only {len(done)} of {pulls_count} checks completed")
                for run in fleet.sandbox.snapshot()["check_runs"]:
                    if run["status"] == "completed" and run["head_sha"] not in done:
                        done[run["head_sha"]] = time.perf_counter()
                time.sleep(0.05)
            elapsed = max(done.values()) - started
            latencies = [done[head] - acked[head] for head in done]
            return {"per_second": pulls_count / elapsed, "median_s": statistics.median(latencies),
                    "p99_s": percentile(latencies, 99), "elapsed_s": elapsed}
        finally:
            fleet.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pulls", type=int, default=40, help="pull requests per completion run")
    parser.add_argument("--acks", type=int, default=1000, help="deliveries in the acknowledgement burst")
    parser.add_argument("--clients", type=int, default=32, help="concurrent senders in the acknowledgement burst")
    parser.add_argument("--pace-pulls", type=int, default=10, help="pull requests in the one-installation run")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    args = parser.parse_args()

    ack = acknowledgements(args.acks, args.clients)
    print(f"| deliveries acknowledged, burst of {args.acks} from {args.clients} clients, 2 replicas | "
          f"{ack['per_second']:.0f}/s (ack median {ack['median_ms']:.0f} ms, p99 {ack['p99_ms']:.0f} ms) |")
    print("\n| worker processes (2 threads each) | pull requests completed per second | delivery → completed "
          "check, median | p99 |\n| --- | --- | --- | --- |")
    for workers in args.workers:
        r = completions(args.pulls, workers, CAPACITY)
        print(f"| {workers} | {r['per_second']:.2f} | {r['median_s']:.1f} s | {r['p99_s']:.1f} s |", flush=True)
    r = completions(args.pace_pulls, max(args.workers), ONE_INSTALLATION)
    print(f"| {max(args.workers)}, one installation at the default pace ({args.pace_pulls} PRs) | "
          f"{r['per_second']:.2f} | {r['median_s']:.1f} s | {r['p99_s']:.1f} s |")


if __name__ == "__main__":
    main()
