from unittest.mock import MagicMock


def test_title_is_trimmed():
    assert " a ".strip() == "a"


def test_title_is_sent():
    sender = MagicMock()
    sender.send(" a ".strip())
    sender.send.assert_called_once_with("a")
