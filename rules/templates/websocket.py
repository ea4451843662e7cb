"""Patching the websocket manager (or the `send_json` of a fake connection) skips everything that
breaks websockets in production: the route and its path, the handshake, how messages are encoded,
what happens when the client sends something unexpected or disconnects. The test then checks that
the code called a mock, not that a client receives the message. Serving the app with uvicorn on a
free 127.0.0.1 port and talking to it with a real `websockets` client proves the round trip: the
client connects to the real route, sends a frame, and reads back what the server really sent.
"""

import json
import socket
import threading
import time

import pytest
import uvicorn
from fastapi import FastAPI, WebSocket
from websockets.sync.client import connect

# Stand-in for the app's code: from app.main import app
app = FastAPI()


@app.websocket("/ws/threads/{thread_id}")
async def thread_updates(websocket: WebSocket, thread_id: str):
    await websocket.accept()
    message = await websocket.receive_json()
    await websocket.send_json({"thread": thread_id, "echo": message["text"]})


@pytest.fixture
def ws_url():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))  # a free port, held until uvicorn takes the socket over
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        assert thread.is_alive(), "uvicorn stopped before serving; see the log above"
        time.sleep(0.01)
    yield f"ws://127.0.0.1:{sock.getsockname()[1]}"
    server.should_exit = True
    thread.join()


def test_thread_update_round_trip(ws_url):
    with connect(f"{ws_url}/ws/threads/42", open_timeout=5) as websocket:
        websocket.send(json.dumps({"text": "hello"}))
        assert json.loads(websocket.recv(timeout=5)) == {"thread": "42", "echo": "hello"}
