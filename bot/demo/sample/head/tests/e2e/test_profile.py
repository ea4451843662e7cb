def test_profile_page_loads(browser):
    assert browser.get("/profile").status_code == 200


def test_profile_shows_the_avatar(browser, mocker):
    mocker.patch("app.clients.avatars.httpx.get", return_value=httpx_response(200, b"PNG"))
    assert "avatar.png" in browser.get("/profile").text
