"""Benchmark `mockguard serve` against `mockguard sandbox`, both as real processes on loopback.

1. Webhook acknowledgement time (median, p99) under a burst of signed deliveries sent by
   concurrent clients, while the worker is busy with the review they trigger.
2. Time from delivery to completed check run for a pull request of 50 changed integration files
   (each adding mocks), with Octokit's write pace (1 s between writes) and without it.

Run: .venv/bin/python bench/bench_service.py [--burst 500] [--clients 32] [--files 50] [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "service"))

from service_harness import BASE_TEST, PR, World, payload  # noqa: E402


def pull_request_of(world: World, files: int) -> tuple[str, str]:
    repo = world.repo
    base = repo.commit({f"tests/integration/test_area_{i:02d}.py": BASE_TEST for i in range(files)}, "base")
    repo.switch("feature")
    mocked = {}
    for i in range(files):
        mocked[f"tests/integration/test_area_{i:02d}.py"] = BASE_TEST.replace(
            "import httpx\n", "import httpx\nfrom unittest.mock import patch\n") + (
            f"\n\ndef test_area_{i}(live_server):\n"
            f"    with patch('shop.area{i}.client.send') as send:\n"
            f"        httpx.get(f'{{live_server}}/area/{i}')\n"
            f"    send.assert_called_once()\n")
    head = repo.commit(mocked, f"{files} files with new mocks")
    return base, head


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def bench_ack(burst: int, clients: int, files: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        world = World(Path(tmp))
        try:
            base, head = pull_request_of(world, files)
            _, service = world.start(base, head)
            event = payload("pull_request.synchronize", base=base, head=head)

            def send(_: int) -> float:
                started = time.perf_counter()
                response = service.post("pull_request", event, delivery=str(uuid.uuid4()))
                assert response.status_code == 202, response.text
                return time.perf_counter() - started

            with ThreadPoolExecutor(clients) as pool:
                list(pool.map(send, range(min(clients, 20))))  # warm connections
                times = list(pool.map(send, range(burst)))
            return {"n": burst, "median_ms": statistics.median(times) * 1000, "p99_ms": percentile(times, 99) * 1000,
                    "max_ms": max(times) * 1000}
        finally:
            world.close()


def bench_check(files: int, runs: int, write_interval: str) -> dict:
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        world = World(Path(tmp))
        try:
            base, head = pull_request_of(world, files)
            sandbox, service = world.start(base, head, settings={"MOCKGUARD_WRITE_INTERVAL": write_interval})
            for attempt in range(runs):
                if attempt == 0:
                    event_name, event = "pull_request", payload("pull_request.opened", base=base, head=head)
                else:  # the Re-run button: the same pull request analysed again from scratch
                    event_name, event = "check_run", payload("check_run.rerequested", base=base, head=head)
                started = time.perf_counter()
                assert service.post(event_name, event).status_code == 202
                run = sandbox.completed_run(head, after=attempt)
                times.append(time.perf_counter() - started)
                assert run["conclusion"] == "failure", run
        finally:
            world.close()
    return {"files": files, "runs": runs, "median_s": statistics.median(times), "max_s": max(times)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--burst", type=int, default=500)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--files", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    ack = bench_ack(args.burst, args.clients, args.files)
    print(f"webhook ack, burst of {ack['n']} signed deliveries from {args.clients} clients: "
          f"median {ack['median_ms']:.1f} ms, p99 {ack['p99_ms']:.1f} ms, max {ack['max_ms']:.1f} ms")
    for interval, label in (("1.0", "Octokit pace, 1 s between writes"), ("0", "no write spacing")):
        check = bench_check(args.files, args.runs, interval)
        print(f"delivery -> completed check, PR of {check['files']} changed integration files ({label}): "
              f"median {check['median_s']:.2f} s, max {check['max_s']:.2f} s over {check['runs']} runs")


if __name__ == "__main__":
    main()
