def test_title_is_trimmed():
    assert " a ".strip() == "a"
