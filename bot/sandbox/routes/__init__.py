"""The sandbox's routers, one per resource; `bot/sandbox/app.py` composes them."""
