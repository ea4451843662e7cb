"""A patched Redis client (or a `MagicMock` standing in for it) answers every command with whatever
the test set up: it does not expire keys, does not turn values into bytes, does not enforce types
(`INCR` on a string, a list command on a hash) and never loses a connection. Code that passes
against it can still fail on its first real call. Starting a real `redis-server` on a free port for
the test and pointing the app's redis-py client at it proves the commands, encodings and TTLs the
app relies on; the fixture skips with a clear message when the binary is not installed.
"""

import shutil
import socket
import subprocess
import time

import pytest
import redis


# Stand-in for the app's code: from app.sessions import remember_login
def remember_login(client: redis.Redis, user: str) -> int:
    key = f"logins:{user}"
    count = client.incr(key)
    client.expire(key, 3600)
    return count


@pytest.fixture
def redis_client(tmp_path):
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port, decode_responses=True)
    for _ in range(200):  # until the server accepts connections (10 s at most)
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    yield client
    client.close()
    server.terminate()
    server.wait()


def test_remember_login_counts_and_expires(redis_client):
    assert remember_login(redis_client, "ada") == 1
    assert remember_login(redis_client, "ada") == 2
    assert 0 < redis_client.ttl("logins:ada") <= 3600
