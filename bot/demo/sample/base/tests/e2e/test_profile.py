def test_profile_page_loads(browser):
    assert browser.get("/profile").status_code == 200
