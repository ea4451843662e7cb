from unittest.mock import AsyncMock, patch

from app.chat import post_message


async def test_message_is_stored(db_session):
    message_id = await post_message(db_session, 1, "hi")
    assert await db_session.get_message(message_id) == "hi"


@patch("app.chat.ws_manager")
async def test_new_message_is_pushed_to_watchers(ws_manager, db_session):
    await post_message(db_session, 1, "hi")
    ws_manager.broadcast.assert_awaited_once()


async def test_failed_insert_is_not_broadcast(client):
    session = AsyncMock()
    session.insert_message.side_effect = TimeoutError
    response = client.post("/threads/1/messages", json={"text": "hi"}, session=session)
    assert response.status_code == 503


async def test_region_is_shown(client, monkeypatch):
    monkeypatch.setenv("CHAT_REGION", "eu-west")
    assert client.get("/about").json()["region"] == "eu-west"


async def test_closing_a_thread_mails_the_owner(client):
    with patch("app.mailer.send"):  # mockguard: allow the mail relay has no test instance (OPS-12)
        client.post("/threads/1/close")


async def test_history_is_paged(db_session, client):
    for n in range(30):
        with patch("app.search.index_message"):
            await post_message(db_session, 1, f"message {n}")
    page = client.get("/threads/1/messages?page=2").json()
    assert len(page["items"]) == 10
