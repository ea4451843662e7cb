"""A `Mock()` or `patch()` in an integration test replaces a collaborator with a copy of the test
author's assumptions about it: it accepts any arguments, returns whatever it was told to, and the
test ends up asserting which calls were made (`assert_called_once_with`) rather than what the
system did. When the real collaborator changes, the mock does not, and the test keeps passing.
Build the real collaborator in a fixture, wire it into the code under test the way production does,
and assert on outcomes anyone could observe: return values, stored state, emitted output.
"""

import pytest


# Stand-ins for the app's code: from app.orders import Inventory, OrderService
class Inventory:
    def __init__(self, stock: dict[str, int]):
        self.stock = dict(stock)

    def take(self, sku: str, quantity: int) -> None:
        if self.stock.get(sku, 0) < quantity:
            raise ValueError(f"not enough {sku}")
        self.stock[sku] -= quantity


class OrderService:
    def __init__(self, inventory: Inventory):
        self.inventory = inventory

    def place(self, sku: str, quantity: int) -> str:
        self.inventory.take(sku, quantity)
        return f"order for {quantity} x {sku}"


@pytest.fixture
def inventory():
    return Inventory({"sku-1": 2})


def test_place_order_takes_real_stock(inventory):
    orders = OrderService(inventory)
    assert orders.place("sku-1", 2) == "order for 2 x sku-1"
    assert inventory.stock == {"sku-1": 0}  # the observable outcome, not the calls made
    with pytest.raises(ValueError):
        orders.place("sku-1", 1)
