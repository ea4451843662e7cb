"""Patching the LLM client (`openai.OpenAI`, `client.chat.completions.create`, the app's `ask_llm`)
hides the part of the integration that breaks: the request the app really builds (model, messages,
system prompt, parameters), the SDK's parsing of the response, and the app's handling of what comes
back. The mock returns a Python object shaped the way the test author remembers the API. Serving a
recorded chat-completions answer from a loopback HTTP server and pointing the app's real client at
it by `base_url` runs the real SDK and the real parsing, needs no API key or network, and lets the
test assert on the exact request that would have gone to the provider.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from openai import OpenAI

RECORDED_ANSWER = {  # a real response, saved once from the provider
    "id": "chatcmpl-1", "object": "chat.completion", "created": 1700000000, "model": "gpt-4o-mini",
    "choices": [{"index": 0, "finish_reason": "stop",
                 "message": {"role": "assistant", "content": "positive"}}],
}


# Stand-in for the app's code: from app.reviews import classify_sentiment
def classify_sentiment(client: OpenAI, review: str) -> str:
    completion = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "system", "content": "Answer positive or negative."},
                  {"role": "user", "content": review}],
    )
    return completion.choices[0].message.content.strip()


class RecordedProvider(BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers["Content-Length"])
        self.server.requests.append((self.path, json.loads(self.rfile.read(length))))
        body = json.dumps(RECORDED_ANSWER).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def provider():
    server = ThreadingHTTPServer(("127.0.0.1", 0), RecordedProvider)
    server.requests = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def test_classify_sentiment_with_recorded_answer(provider):
    base_url = f"http://127.0.0.1:{provider.server_port}/v1"
    client = OpenAI(base_url=base_url, api_key="test", max_retries=0)
    assert classify_sentiment(client, "Loved it") == "positive"
    [(path, request)] = provider.requests
    assert path == "/v1/chat/completions"
    assert request["model"] == "gpt-4o-mini"
    assert request["messages"][-1] == {"role": "user", "content": "Loved it"}
