"""Patching the enqueue call (`send_welcome.delay`, `huey.enqueue`, a mocked broker) proves only
that a function was called; it hides whether the task is registered, whether its arguments survive
serialisation, whether the worker can import and run it, and what the caller sees when it fails.
Running the app's real task through a real huey queue with a real consumer on worker threads
(huey's in-memory storage here; point `huey` at the app's own instance, for example a RedisHuey on
a test Redis) proves the whole trip: enqueue, serialise, execute on a worker, store the result and
read it back.
"""

import signal

import pytest
from huey import MemoryHuey

# Stand-in for the app's code: from app.tasks import huey, send_welcome
huey = MemoryHuey("app", immediate=False)  # immediate=False: tasks go through the queue


@huey.task()
def send_welcome(email: str) -> str:
    return f"Welcome, {email.split('@')[0]}!"


@pytest.fixture
def consumer():
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    consumer = huey.create_consumer(workers=2, periodic=False, initial_delay=0.01)
    consumer.start()
    for sig, handler in handlers.items():  # the consumer took these signals; give them back
        signal.signal(sig, handler)
    yield consumer
    consumer.stop(graceful=True)


def test_send_welcome_runs_on_a_worker(consumer):
    result = send_welcome("ada@example.com")
    assert result.get(blocking=True, timeout=10) == "Welcome, ada!"
    assert len(huey) == 0  # nothing left in the queue
