"""`builtin_template`, `template_from_text` and `adapt`: what a review comment will suggest."""

from __future__ import annotations

import ast
import textwrap

import pytest

from bot.engine.model import CATEGORIES
from bot.engine.templates import (
    TemplateError,
    adapt,
    builtin_template,
    rules_dir,
    template_from_text,
)


def top_level_tests(code: str) -> list[str]:
    return [
        node.name
        for node in ast.parse(code).body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test")
    ]


def all_names(code: str) -> set[str]:
    tree = ast.parse(code)
    names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    return names | {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}


@pytest.mark.parametrize("category", CATEGORIES)
def test_every_category_has_a_builtin_template(category):
    template = builtin_template(category)
    assert (template.category, template.source) == (category, f"builtin:{category}")
    assert (rules_dir() / "templates" / f"{category}.py").read_text(encoding="utf-8") == template.code
    assert len(top_level_tests(template.code)) == 1
    assert template.why and "\n" not in template.why
    assert "\n\n" not in ast.get_docstring(ast.parse(template.code))  # one paragraph
    snippet = adapt(template, test_name=None, target=None)
    code_lines = [line for line in snippet.splitlines() if line.strip()]
    assert len(code_lines) <= 50, "a suggestion must stay short enough to paste"


def test_an_unknown_category_gets_the_generic_template():
    assert builtin_template("carrier-pigeon") == builtin_template("generic")


def test_adapt_renames_the_test_and_names_the_target():
    template = builtin_template("websocket")
    [original] = top_level_tests(template.code)

    target = "app.services.thread_service.create_websocket_manager"

    snippet = adapt(template, test_name="test_thread_created", target=target)

    first_line, _, code = snippet.partition("\n")
    assert first_line == f"# Instead of patching {target}: talk to the real thing."
    assert top_level_tests(code) == ["test_thread_created"]
    assert original not in all_names(code)
    assert ast.get_docstring(ast.parse(code)) is None
    compile(snippet, "snippet.py", "exec")


def test_the_rename_follows_scopes_not_text():
    template = template_from_text("generic", textwrap.dedent('''\
        """Why: one paragraph."""

        import pytest


        def helper():
            test_orders = ["a local that only shares the name"]
            return test_orders


        def test_orders(tmp_path):
            assert helper()


        SELECTED = [test_orders]
        KEYWORD = "test_orders"
        '''), "tests/real/orders.py")

    code = adapt(template, test_name="test_checkout", target=None)

    assert "def test_checkout(tmp_path):" in code
    assert "SELECTED = [test_checkout]" in code
    assert '    test_orders = ["a local that only shares the name"]\n    return test_orders' in code
    assert 'KEYWORD = "test_orders"' in code
    assert code.startswith("# Instead of a mock: talk to the real thing.\nimport pytest\n")


@pytest.mark.parametrize("category", CATEGORIES)
def test_a_test_named_only_at_its_definition_is_renamed_as_the_scope_analysis_would(category):
    """The built-in templates name their test once: that rename skips libcst's scope analysis and
    must give the very code the scope-aware rename gives."""
    from bot.engine import templates

    template = builtin_template(category)
    module = templates._without_docstring(templates._parse(template.code, template.source))
    [test] = templates._test_functions(module)
    assert module.code.count(test.name.value) == 1  # the case the shortcut takes
    scoped = templates._rename_global(module, test.name.value, templates._PLACEHOLDER).code.lstrip()
    assert templates._prepared(template.code, template.source) == (scoped, test.name.value)


@pytest.mark.parametrize("category", CATEGORIES)
def test_a_builtin_template_reads_as_a_team_template_of_the_same_text_would(category):
    template = builtin_template(category)
    assert template == template_from_text(category, template.code, f"builtin:{category}")
    assert template.why


def test_a_test_named_in_an_f_string_too_is_renamed_there_by_the_scope_analysis():
    template = template_from_text("generic", 'def test_orders():\n    assert f"{test_orders.__name__}"\n', "t.py")
    code = adapt(template, test_name="test_checkout", target=None)
    assert 'def test_checkout():\n    assert f"{test_checkout.__name__}"' in code


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("TestThreads.test_send", "test_send"),
        ("tests/test_ws.py::test_send", "test_send"),
        ("send_still_works", "test_send_still_works"),
        (None, "test_place_order_takes_real_stock"),
    ],
)
def test_adapt_makes_the_name_one_pytest_collects(given, expected):
    snippet = adapt(builtin_template("generic"), test_name=given, target="app.orders.Inventory")
    assert top_level_tests(snippet) == [expected]


@pytest.mark.parametrize("bad", ["1st_test", "test-x", "class"])
def test_adapt_refuses_a_name_python_cannot_define(bad):
    with pytest.raises(TemplateError, match="not a Python function name"):
        adapt(builtin_template("generic"), test_name=bad, target=None)


def test_a_target_cannot_break_out_of_the_comment():
    snippet = adapt(builtin_template("time"), test_name=None, target="app.clock\nimport os")
    comment = "# Instead of patching app.clock import os: talk to the real thing."
    assert snippet.splitlines()[0] == comment
    assert "import os" not in snippet.splitlines()[1:]


def test_a_team_template_without_docstring_or_single_test_is_kept_as_written():
    text = "def test_one():\n    assert 1\n\n\ndef test_two():\n    assert 2\n"
    template = template_from_text("database", text, ".mockguard/templates/database.py")
    assert template.why == ""
    assert adapt(template, test_name="test_mine", target="db").endswith(text)


def test_a_template_that_does_not_parse_is_refused_with_its_source():
    with pytest.raises(TemplateError, match=r"\.mockguard/templates/redis\.py: not a Python module"):
        template_from_text("redis", "def test_(:\n", ".mockguard/templates/redis.py")


def _prepared_by_libcst(code: str) -> tuple[str, str | None]:
    """`_prepared` as libcst's tree gives it (docstring removed, the single test renamed by scope)."""
    from bot.engine import templates

    module = templates._without_docstring(templates._parse(code, "t.py"))
    tests = templates._test_functions(module)
    if len(tests) != 1:
        return module.code.lstrip(), None
    name = tests[0].name.value
    return templates._rename_global(module, name, templates._PLACEHOLDER).code.lstrip(), name


LAYOUTS = [
    '"""Doc."""\n\n\n# kept: a comment after the docstring\n\ndef test_a():\n    pass\n',
    '# a header comment\n\n"""Doc\non two lines."""\n\n@pytest.mark.slow\ndef test_a():\n    pass\n',
    '"""Doc."""  # a comment on the docstring line\n\ndef test_a():\n    pass\n',
    '"""d"""\r\n\r\nimport x\r\n\r\ndef test_q():\r\n    x.y()\r\n',
    '"""d"""\nasync def test_q():\n    pass\n',
    '\n\n"""d"""\n\n\nx = 1\n# c\n\ndef test_z(): pass\n',
    '"""Only a docstring."""\n',
    'def test_one():\n    assert 1\n\n\ndef test_two():\n    assert 2\n',
    'def test_self():\n    return test_self\n',
    'x = 1\n',
]


@pytest.mark.parametrize("code", [builtin_template(c).code for c in CATEGORIES] + LAYOUTS)
def test_a_template_read_by_lines_is_what_libcst_reads(code):
    """The built-in templates' layout is read with CPython's parser and cut by lines (so a finding
    needs no libcst in the main process); what that gives, when it answers, is libcst's own."""
    from bot.engine import templates

    by_lines = templates._prepared_by_lines(code)
    assert by_lines is None or by_lines == _prepared_by_libcst(code)
    if code in [builtin_template(c).code for c in CATEGORIES]:
        assert by_lines is not None  # the shipped templates never need libcst
