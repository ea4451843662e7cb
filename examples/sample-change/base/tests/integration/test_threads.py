from unittest.mock import patch


def test_thread_is_listed(client):
    assert client.get("/threads").status_code == 200


def test_thread_title_is_saved(client):
    with patch("app.services.search.index_thread"):
        client.post("/threads", json={"title": "hello"})
    assert client.get("/threads/1").json()["title"] == "hello"
