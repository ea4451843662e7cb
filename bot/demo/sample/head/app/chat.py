"""The chat service: messages are stored, indexed for search and pushed to watchers."""

from app import search
from app.db import Session
from app.ws import ws_manager


async def post_message(session: Session, thread_id: int, text: str) -> int:
    message_id = await session.insert_message(thread_id, text)
    search.index_message(message_id, text)
    await ws_manager.broadcast(thread_id, {"id": message_id, "text": text})
    return message_id
