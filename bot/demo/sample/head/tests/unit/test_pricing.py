from unittest.mock import MagicMock

from app.pricing import monthly_price, send_invoice


def test_monthly_price_rounds_up():
    assert monthly_price(seats=3, rate=9.99) == 29.97


def test_invoice_is_sent_once():
    mailer = MagicMock()
    send_invoice(mailer, seats=3)
    mailer.send.assert_called_once()
