from unittest.mock import patch

from app.chat import post_message


async def test_message_is_stored(db_session):
    message_id = await post_message(db_session, 1, "hi")
    assert await db_session.get_message(message_id) == "hi"


async def test_history_is_paged(db_session, client):
    with patch("app.search.index_message"):
        for n in range(30):
            await post_message(db_session, 1, f"message {n}")
    page = client.get("/threads/1/messages?page=2").json()
    assert len(page["items"]) == 10
