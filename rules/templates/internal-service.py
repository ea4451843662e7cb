"""Patching the client of one of the team's own services (`patch("app.clients.inventory.reserve")`)
freezes the contract between the two services at the moment the mock was written: when the service
renames a field, changes a status code or starts validating input, the caller's tests keep passing
and production breaks. Both sides are in reach, so run them: serve the real service app with
uvicorn on a free 127.0.0.1 port and point the caller's real HTTP client at it. The test then
proves the caller and the service still agree on paths, payloads, validation and errors.
"""

import socket
import threading
import time

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field


# Stand-in for the service: from inventory_service.main import create_app
class Reservation(BaseModel):
    sku: str
    quantity: int = Field(gt=0)


def create_app(stock: dict[str, int]) -> FastAPI:
    app = FastAPI()

    @app.post("/reservations")
    def reserve(item: Reservation):
        if stock.get(item.sku, 0) < item.quantity:
            raise HTTPException(status_code=409, detail="out of stock")
        stock[item.sku] -= item.quantity
        return {"sku": item.sku, "left": stock[item.sku]}

    return app


# Stand-in for the caller's client: from app.clients.inventory import reserve_stock
def reserve_stock(client: httpx.Client, sku: str, quantity: int) -> bool:
    response = client.post("/reservations", json={"sku": sku, "quantity": quantity})
    if response.status_code == 409:
        return False
    response.raise_for_status()
    return True


@pytest.fixture
def inventory_url():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))  # a free port, held until uvicorn takes the socket over
    server = uvicorn.Server(uvicorn.Config(create_app({"sku-1": 3}), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        assert thread.is_alive(), "uvicorn stopped before serving; see the log above"
        time.sleep(0.01)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.should_exit = True
    thread.join()


def test_reserve_stock_against_the_real_service(inventory_url):
    with httpx.Client(base_url=inventory_url, timeout=5) as client:
        assert reserve_stock(client, "sku-1", 2) is True
        assert reserve_stock(client, "sku-1", 2) is False  # only one left
        with pytest.raises(httpx.HTTPStatusError):  # the service refuses what its schema refuses
            reserve_stock(client, "sku-1", 0)
