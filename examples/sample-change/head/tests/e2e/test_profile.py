def test_profile_page_shows_name(mocker, browser):
    mocker.patch("app.clients.http.get", return_value={"name": "ada"})
    assert "ada" in browser.get("/profile").text
