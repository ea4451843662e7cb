from app.pricing import monthly_price


def test_monthly_price_rounds_up():
    assert monthly_price(seats=3, rate=9.99) == 29.97
