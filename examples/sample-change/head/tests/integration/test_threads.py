import unittest.mock as um
from unittest.mock import AsyncMock, patch

from app.clients import NotificationClient


def test_thread_is_listed(client):
    assert client.get("/threads").status_code == 200


@patch("app.services.thread_service.create_websocket_manager")
def test_new_message_is_pushed(manager, client):
    """Posting a message pushes it to watchers; we used to patch() the MagicMock() here."""
    # patch() and MagicMock() in a comment are not mocks
    client.post("/threads/1/messages", json={"text": "hi"})
    manager.return_value.broadcast.assert_called_once()


async def test_message_is_stored(service):
    service.db = AsyncMock()
    await service.add_message(1, "hi")
    service.db.add.assert_called_once()


def test_watchers_are_notified(client):
    with um.patch.object(NotificationClient, "send") as send:
        client.post("/threads/1/watch")
    send.assert_called_once()


def test_mail_goes_out(client):
    with patch("app.mailer.send"):  # mockguard: allow the mail relay has no test instance (OPS-12)
        client.post("/threads/1/close")


def test_thread_title_is_saved(client):
    client.post("/threads", json={"title": "hello"})
    with patch("app.services.search.index_thread"):
        client.post("/threads", json={"title": "hello"})
    assert client.get("/threads/1").json()["title"] == "hello"
