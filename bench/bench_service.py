"""Benchmark `mockguard serve` against `mockguard sandbox`, both as real processes on loopback.

1. Webhook acknowledgement time (median, p99) under a burst of signed deliveries sent by
   concurrent clients, while the worker is busy with the review they trigger.
2. Pull requests of 1, 50, 1,200 and 3,500 changed files, at 0 and 100 ms of GitHub latency:
   time from delivery to completed check run, the REST requests the App made (the sandbox's
   request log) and the git fetches it made (the sandbox's git log, when it serves git).
   Shapes (those of issue 14, measured on a real project): one file adding a mock; 50 integration
   test files with one added line each, one adding a mock; 1,200 files with one added line each,
   about half of them integration tests that mention "mock" in comments, one adding a mock; 3,500
   files, 400 of them new integration tests holding mocks.

Run: .venv/bin/python bench/bench_service.py [--burst 500] [--clients 32] [--shapes 1,50,1200,3500]
     [--latencies 0,100] [--write-interval 1.0] [--skip-ack] [--rest-only]
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

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository root: tests.support

from tests.service.service_harness import BASE_TEST, World, payload  # noqa: E402

# An integration test that mentions mocks without adding one (comments, docstrings, fixture names).
MENTIONS = '''"""Orders end to end: no mock here, the real server runs (see conftest's live_server)."""
import httpx


def test_order_roundtrip_{i}(live_server):
    # not a mock: the real mock-free server answers
    response = httpx.post(f"{{live_server}}/orders/{i}", json={{"sku": "A1"}})
    assert response.status_code == 201
'''
MOCKED = '''import httpx
from unittest.mock import patch


def test_area_{i}(live_server):
    with patch("shop.area{i}.client.send") as send:
        httpx.get(f"{{live_server}}/area/{i}")
    send.assert_called_once()
'''
SOURCE = '''def handler_{i}(request):
    return {{"ok": True, "id": {i}}}
'''


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def pull_request_of(world: World, changed: int) -> tuple[str, str, int]:
    """(base, head, expected findings) for a pull request of `changed` files, built with one `git add`."""
    repo = world.repo
    base_files: dict[str, str] = {"README.md": "shop\n"}
    head_files: dict[str, str] = {}
    expected = 1
    if changed == 1:
        base_files["tests/integration/test_orders.py"] = BASE_TEST
        head_files["tests/integration/test_orders.py"] = MOCKED.format(i=0)
    elif changed < 3000:
        tests = changed if changed <= 50 else changed // 2
        for i in range(tests):
            name = f"tests/integration/area_{i // 100}/test_area_{i}.py"
            base_files[name] = MENTIONS.format(i=i)
            head_files[name] = "import pytest  # marker\n" + MENTIONS.format(i=i)
        for i in range(changed - tests):
            name = f"shop/module_{i // 100}/handler_{i}.py"
            base_files[name] = SOURCE.format(i=i)
            head_files[name] = "# touched\n" + SOURCE.format(i=i)
        first = "tests/integration/area_0/test_area_0.py"
        head_files[first] = head_files[first].replace("import httpx\n", "import httpx\nfrom unittest.mock import patch\n") + (
            "\n\ndef test_mocked(live_server):\n    with patch('shop.mailer.send'):\n        httpx.get(live_server)\n")
    else:
        new_tests = 400
        expected = new_tests
        for i in range(new_tests):
            head_files[f"tests/integration/new_{i // 100}/test_new_{i}.py"] = MOCKED.format(i=i)
        for i in range(changed - new_tests):
            name = f"shop/module_{i // 100}/handler_{i}.py"
            base_files[name] = SOURCE.format(i=i)
            head_files[name] = "# touched\n" + SOURCE.format(i=i)
    write(repo.path, base_files)
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "base")
    base = repo.git("rev-parse", "HEAD")
    repo.switch("feature")
    write(repo.path, head_files)
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", f"{changed} files changed")
    return base, repo.git("rev-parse", "HEAD"), expected


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def bench_ack(burst: int, clients: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        world = World(Path(tmp))
        try:
            base, head, _ = pull_request_of(world, 50)
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


def bench_pull_request(changed: int, latency_ms: int, write_interval: str, rest_only: bool = False) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        world = World(Path(tmp))
        try:
            base, head, expected = pull_request_of(world, changed)
            sandbox, service = world.start(base, head, sandbox_args=["--latency-ms", str(latency_ms)],
                                           settings={"MOCKGUARD_WRITE_INTERVAL": write_interval,
                                                     "MOCKGUARD_GIT_FETCH": "false" if rest_only else "true"})
            before = len(sandbox.state().get("requests", []))
            started = time.perf_counter()
            assert service.post("pull_request", payload("pull_request.opened", base=base, head=head)).status_code == 202
            run = sandbox.completed_run(head)
            elapsed = time.perf_counter() - started
            assert run["conclusion"] == "failure", run
            state = sandbox.state()
            api = [e for e in state.get("requests", [])[before:] if not e["path"].startswith("/_sandbox")]
            git = [e for e in api if ".git/" in e["path"]]
            rest = [e for e in api if ".git/" not in e["path"]]
            # Each `git fetch` over smart HTTP starts with one GET of info/refs.
            fetches = [e for e in git if e["path"].endswith("/info/refs")]
            limited = [e for e in api if e.get("status") in (403, 429)]
            return {"files": changed, "latency_ms": latency_ms, "seconds": elapsed, "rest": len(rest),
                    "git_fetches": len(fetches), "rate_limited": len(limited), "annotations": len(run["annotations"]),
                    "expected": expected, "summary": (run.get("output") or {}).get("summary", "")}
        finally:
            world.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--burst", type=int, default=500)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--shapes", default="1,50,1200,3500")
    parser.add_argument("--latencies", default="0,100")
    parser.add_argument("--write-interval", default="1.0", help="MOCKGUARD_WRITE_INTERVAL (default: the service's own)")
    parser.add_argument("--skip-ack", action="store_true")
    parser.add_argument("--rest-only", action="store_true", help="the REST fall-back (MOCKGUARD_GIT_FETCH=false)")
    args = parser.parse_args()

    if not args.skip_ack:
        ack = bench_ack(args.burst, args.clients)
        print(f"webhook ack, burst of {ack['n']} signed deliveries from {args.clients} clients: "
              f"median {ack['median_ms']:.1f} ms, p99 {ack['p99_ms']:.1f} ms, max {ack['max_ms']:.1f} ms")
    print("| changed files | GitHub latency | delivery -> completed check | REST requests | git fetches |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    for latency in (int(x) for x in args.latencies.split(",")):
        for changed in (int(x) for x in args.shapes.split(",")):
            result = bench_pull_request(changed, latency, args.write_interval, args.rest_only)
            print(f"| {changed:,} | {latency} ms | {result['seconds']:.1f} s | {result['rest']} | "
                  f"{result['git_fetches']} |" + (f" rate-limited {result['rate_limited']}" if result["rate_limited"] else ""),
                  flush=True)


if __name__ == "__main__":
    main()
