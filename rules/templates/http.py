"""Patching the HTTP call (`requests.get`, `httpx.Client.get`, the app's own client function)
replaces the very code an integration test exists to check: the URL and query the app builds, the
headers it sends, how it reads status codes, JSON and timeouts. The mock returns whatever the test
author believed the server says, so a renamed field, a wrong path or a missing `raise_for_status()`
still passes. Serving a recorded answer from a real HTTP server on 127.0.0.1 keeps the whole client
path real (sockets, encoding, error handling) and lets the test assert on the request the server
actually received.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest


# Stand-in for the app's code: from app.clients.users import fetch_user
def fetch_user(client: httpx.Client, user_id: int) -> str:
    response = client.get(f"/users/{user_id}")
    response.raise_for_status()
    return response.json()["name"]


class RecordedApi(BaseHTTPRequestHandler):
    def do_GET(self):
        self.server.requests.append(self.path)
        body = json.dumps({"id": 7, "name": "Ada"}).encode()
        self.send_response(200 if self.path == "/users/7" else 404)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def api_url():
    server = ThreadingHTTPServer(("127.0.0.1", 0), RecordedApi)  # port 0: the OS picks a free one
    server.requests = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", server.requests
    server.shutdown()
    server.server_close()


def test_fetch_user_over_real_http(api_url):
    base_url, requests_seen = api_url
    with httpx.Client(base_url=base_url, timeout=5) as client:
        assert fetch_user(client, 7) == "Ada"
        with pytest.raises(httpx.HTTPStatusError):
            fetch_user(client, 8)
    assert requests_seen == ["/users/7", "/users/8"]
