"""The rules file: defaults, file selection, validation messages, the starter file."""

from __future__ import annotations

import pickle
import random
from datetime import date

import pytest

from bot.engine.rulesfile import (
    ConfigError,
    Config,
    default_config,
    load_config,
    starter_text,
)
from bot.engine.model import CATEGORIES


def error_for(text: str, source: str = ".github/mockguard.yml") -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load_config(text, source)
    return caught.value


# --- defaults -------------------------------------------------------------------------------------


def test_defaults_block_every_category_with_builtin_templates():
    config = default_config()
    assert config.fail_on == "error"
    assert config.tolerate_environment is True
    assert config.tolerate == ()
    for category in CATEGORIES:
        assert config.severity_for(category) == "error"
        assert config.template_for(category) is None
    assert config.template_files() == ()


def test_the_defaults_answer_as_the_validated_model_of_an_empty_file_does():
    """`default_config()` answers without pydantic; it must say what `Config()` says, question by question."""
    from bot.engine.rulesfile.defaults import DefaultConfig
    from bot.engine.rules import RULES

    light, model = default_config(), Config()
    assert isinstance(light, DefaultConfig) and not isinstance(light, Config)
    for name in ("version", "fail_on", "tolerate_environment", "tolerate", "suggest", "source"):
        assert getattr(light, name) == getattr(model, name), name
    for category in [*CATEGORIES, "no-such-category", *RULES]:
        assert light.severity_for(category) == model.severity_for(category), category
        assert light.template_for(category) == model.template_for(category), category
        assert light.template_position(category) == model.template_position(category)
    for rule in [*RULES, "MG999"]:
        assert light.rule_severity(rule) == model.rule_severity(rule), rule
    for path in ["tests/integration/test_a.py", "tests/unit/integration/test_a.py", "e2e_debug/x.py", "./tests/e2e/a.py",
                 "tests\\integration\\test_a.py", "tests/integration/data.json", "src/app.py", "websocket_e2e_tests/t.py"]:
        assert light.is_integration_test(path) == model.is_integration_test(path), path
    assert (light.template_files(), light.template_texts()) == (model.template_files(), model.template_texts())
    assert light.tolerations() == model.tolerations()
    assert light.model_dump() == model.model_dump()
    for field in ("files", "severity", "templates"):
        public = {k: v for k, v in vars(getattr(light, field)).items() if not k.startswith("_")}
        assert public == dict(getattr(model, field)), field
    assert (light.files._included, light.files._excluded) == (model.files._included, model.files._excluded) == (None, None)


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "---\n", "files:\ntolerate:\n"])
def test_an_empty_file_means_the_defaults(text):
    config = load_config(text, "ci/rules.yml")
    assert config.model_dump() == default_config().model_dump()
    assert config.source == "ci/rules.yml"


def test_an_unknown_category_is_judged_as_generic():
    config = load_config("severity:\n  generic: warning\n")
    assert config.severity_for("no-such-category") == "warning"


# --- which files ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path, counts",
    [
        ("tests/integration/test_x.py", True),
        ("tests/integration_tests/test_x.py", True),
        ("tests/e2e/test_flow.py", True),
        ("e2e/test_flow.py", True),
        ("tests/e2e_debug/test_flow.py", True),
        ("tests/websocket_e2e_tests/conftest.py", True),
        ("tests/integration_helpers/clients.py", True),
        ("tests/api-e2e/test_login.py", True),
        ("tests/integration/conftest.py", True),
        ("tests/integration/helpers/factories.py", True),
        ("tests/unit/integration/test_x.py", False),
        ("tests/integration/unit/test_x.py", False),
        ("tests/integration/data.json", False),
        ("tests/integration/README.md", False),
        ("src/app/integration.py", False),
        ("tests/test_integration.py", False),
        ("tests/test_e2e.py", False),
        ("tests/unit/test_x.py", False),
        ("tests/test_x.py", False),
        ("test_x.py", False),
        ("tests/reintegrate/test_x.py", False),
    ],
)
def test_default_file_rule(path, counts):
    assert default_config().is_integration_test(path) is counts


def test_include_replaces_the_default_rule():
    config = load_config("files:\n  include:\n    - 'tests/it/**/*.py'\n")
    assert config.is_integration_test("tests/it/test_a.py")
    assert config.is_integration_test("tests/it/deep/er/test_a.py")
    assert not config.is_integration_test("tests/integration/test_a.py")
    # Replaced means replaced: the default's `unit` exception is gone too.
    assert config.is_integration_test("tests/it/unit/test_a.py")


def test_exclude_always_applies():
    config = load_config("files:\n  exclude:\n    - 'tests/e2e/vendored/**'\n")
    assert config.is_integration_test("tests/e2e/test_a.py")
    assert not config.is_integration_test("tests/e2e/vendored/test_a.py")

    both = load_config("files:\n  include: 'tests/**/*.py'\n  exclude: ['tests/slow/']\n")
    assert both.is_integration_test("tests/fast/test_a.py")
    assert not both.is_integration_test("tests/slow/x/test_a.py")


def test_globs_alternate_and_cover_directories():
    config = load_config("files:\n  include: ['services/*/tests/{integration,contract}/']\n")
    assert config.is_integration_test("services/api/tests/contract/test_a.py")
    assert config.is_integration_test("services/api/tests/integration/sub/conftest.py")
    assert not config.is_integration_test("services/api/tests/smoke/test_a.py")
    assert not config.is_integration_test("services/api/tests/contract/data.yaml")
    assert config.is_integration_test("./services/api/tests/contract/test_a.py")


# --- values -----------------------------------------------------------------------------------------


def test_severities_gate_and_templates_are_read():
    config = load_config(
        "version: 1\n"
        "severity:\n  time: warning\n  internal-service: notice\n  generic: off\n"
        "fail_on: warning\n"
        "templates:\n  database: tests/templates/real_db.py\n"
    )
    assert config.severity_for("time") == "warning"
    assert config.severity_for("internal-service") == "notice"
    assert config.severity_for("generic") == "off"  # YAML reads a bare `off` as false
    assert config.severity_for("http") == "error"
    assert config.fail_on == "warning"
    assert config.template_for("database") == "tests/templates/real_db.py"
    assert config.template_for("http") is None
    assert config.template_files() == ("tests/templates/real_db.py",)


@pytest.mark.parametrize("value, gate", [("never", "never"), ("off", "never"), ("notice", "notice")])
def test_gate_values(value, gate):
    assert load_config(f"fail_on: {value}\n").fail_on == gate


def test_tolerations_are_read_with_their_lines():
    config = load_config(
        "tolerate:\n"
        "  - target: app.clock.*\n"
        "    reason: the clock is injected later\n"
        "    expires: 2030-01-31\n"
        "    owner: '@time-team'\n"
        "  - category: [time, http]\n"
        "    construct: freezegun\n"
        "    paths: tests/e2e/reports/\n"
        "    reason: month boundaries\n"
    )
    first, second = config.tolerate
    assert first.target == ("app.clock.*",)
    assert first.expires == date(2030, 1, 31)
    assert first.owner == "@time-team"
    assert first.line == 2
    assert second.category == ("time", "http")
    assert second.constructs == ("freezegun",)
    assert second.paths == ("tests/e2e/reports/**",)
    assert second.line == 6
    # The built-in environment tolerations follow the user's ones.
    assert config.tolerations()[:2] == config.tolerate
    assert len(config.tolerations()) > 2
    assert load_config("tolerate_environment: false\n").tolerations() == ()


# --- error messages ---------------------------------------------------------------------------------


def test_error_text_names_file_line_column_and_shape():
    error = error_for("fail_on: error\ntollerate:\n  - target: x\n    reason: y\n", "conf/mg.yml")
    assert (error.source, error.line, error.column) == ("conf/mg.yml", 2, 1)
    assert error.message == "unknown key 'tollerate'; did you mean 'tolerate'?"
    assert error.expected is not None and "tolerate" in error.expected
    assert str(error) == (
        "conf/mg.yml:2:1: unknown key 'tollerate'; did you mean 'tolerate'?\n"
        f"  expected: {error.expected}"
    )


@pytest.mark.parametrize(
    "text, line, column, message, expected",
    [
        pytest.param(
            "tolerations:\n  - target: x\n    reason: y\n",
            1, 1, "unknown key 'tolerations'; did you mean 'tolerate'?", "tolerate",
            id="tolerations-misspelt",
        ),
        pytest.param(
            "severity:\n  webscoket: warning\n",
            2, 3, "unknown key 'webscoket' in severity; did you mean 'websocket'?", "internal-service",
            id="category-misspelt",
        ),
        pytest.param(
            "tolerate:\n  - target: x\n    reasn: y\n",
            3, 5, "did you mean 'reason'?", "target",
            id="toleration-key-misspelt",
        ),
        pytest.param(
            "files:\n  includes: ['tests/**']\n",
            2, 3, "did you mean 'include'?", "include, exclude",
            id="files-key-misspelt",
        ),
        pytest.param(
            "tolerate:\n  target: app.x\n  reason: y\n",
            2, 3, "tolerate: Input should be a list", "a list of tolerations",
            id="wrong-type-mapping-for-list",
        ),
        pytest.param(
            "files: tests/**\n",
            1, 8, "files: Input should be a mapping (got 'tests/**')", "include, exclude",
            id="wrong-type-text-for-mapping",
        ),
        pytest.param(
            "tolerate:\n  - target: app.x\n    owner: me\n",
            2, 5, "tolerate[0].reason: missing required key 'reason'", "non-empty",
            id="missing-reason",
        ),
        pytest.param(
            "tolerate:\n  - target: app.x\n    reason: '   '\n",
            3, 13, "a reason is required and must not be blank", "non-empty",
            id="blank-reason",
        ),
        pytest.param(
            "tolerate:\n  - reason: just because\n",
            2, 5, "at least one of target, category, construct, origin", "a list of tolerations",
            id="toleration-says-nothing",
        ),
        pytest.param(
            "severity:\n  http: fatal\n",
            2, 9, "severity.http: Input should be 'error', 'warning', 'notice' or 'off' (got 'fatal')",
            "error, warning, notice, off",
            id="bad-severity",
        ),
        pytest.param(
            "fail_on: warn\n",
            1, 10, "(got 'warn'); did you mean 'warning'?", "error, warning, notice, never",
            id="bad-gate",
        ),
        pytest.param(
            "tolerate:\n  - category: htp\n    reason: r\n",
            2, 15, "(got 'htp'); did you mean 'http'?", "websocket",
            id="bad-category",
        ),
        pytest.param(
            "tolerate:\n  - target: a\n    reason: r\n    expires: 2024-13-01\n",
            4, 14, "tolerate[0].expires:", "YYYY-MM-DD",
            id="bad-date",
        ),
        pytest.param(
            "tolerate:\n  - target: a\n    reason: r\n    expires: 20250101\n",
            4, 14, "write the date as YYYY-MM-DD", "YYYY-MM-DD",
            id="date-without-dashes",
        ),
        pytest.param(
            "files: {include: [1]}\n",
            1, 19, "files.include[0]: Input should be a text (got '1')", "list of globs",
            id="wrong-item-type",
        ),
        pytest.param("version: 2\n", 1, 10, "version: Input should be 1 (got '2')", "1", id="version"),
        pytest.param(
            "files:\n  include: []\n",
            2, 12, "files.include: The list should have at least 1 item", "list of globs",
            id="empty-include-would-check-nothing",
        ),
        pytest.param(
            "templates:\n  http: ../outside.py\n",
            2, 9, "neither 'builtin' nor a .py file inside the repository", "'builtin' or",
            id="template-outside",
        ),
        pytest.param(
            "tolerate_environment: maybe\n",
            1, 23, "valid boolean", "true or false",
            id="bad-boolean",
        ),
        pytest.param(
            "fail_on: error\nfail_on: never\n",
            2, 1, "duplicate key 'fail_on' (first given on line 1)", "once",
            id="duplicate-key",
        ),
        pytest.param(
            "- fail_on\n- error\n",
            1, 1, "the rules file must be a mapping of settings", "fail_on",
            id="not-a-mapping",
        ),
    ],
)
def test_invalid_files_are_refused_with_position(text, line, column, message, expected):
    error = error_for(text)
    assert (error.line, error.column) == (line, column), str(error)
    assert message in error.message
    assert error.expected is not None and expected in error.expected
    assert str(error).startswith(f".github/mockguard.yml:{line}:{column}: ")
    assert "\n  expected: " in str(error)


@pytest.mark.parametrize(
    "text, line, column",
    [
        ("fail_on: error\ntolerate: [\n  - x\n", 3, 3),
        ("fail_on: error\n  bad: indent\n", 2, 6),
        ("fail_on: 'unterminated\n", 2, 1),
        ("---\nfail_on: error\n---\nfail_on: never\n", 3, 1),
    ],
)
def test_broken_yaml_is_refused_with_position(text, line, column):
    error = error_for(text)
    assert error.message.startswith("broken YAML: ")
    assert (error.line, error.column) == (line, column), str(error)


def test_every_problem_is_reported_at_once_in_file_order():
    text = (
        "fail_on: sometimes\n"            # 1: bad value
        "severity:\n"
        "  http: loud\n"                  # 3: bad value
        "  webscoket: warning\n"          # 4: unknown key
        "tolerate:\n"
        "  - target: app.x\n"              # 6: no reason
        "  - category: htp\n"              # 7: bad category
        "    reason: r\n"
        "files:\n"
        "  includes: ['tests/**']\n"       # 10: unknown key
        "tolerate_environment: false\n"
        "tolerate_environment: true\n"    # 12: duplicate key
    )
    error = error_for(text)
    where = [(p.line, p.column) for p in error.problems]
    assert where == [(1, 10), (3, 9), (4, 3), (6, 5), (7, 15), (10, 3), (12, 1)], str(error)
    messages = [p.message for p in error.problems]
    assert "did you mean 'websocket'?" in messages[2]
    assert "missing required key 'reason'" in messages[3]
    assert "did you mean 'http'?" in messages[4]
    assert "did you mean 'include'?" in messages[5]
    assert "duplicate key 'tolerate_environment'" in messages[6]
    assert all(p.expected for p in error.problems)
    # The text lists every one, each with its position and expected shape; nothing is "and N more".
    lines = str(error).splitlines()
    assert [line for line in lines if line.startswith(".github/mockguard.yml:")] == [
        f".github/mockguard.yml:{p.line}:{p.column}: {p.message}" for p in error.problems]
    assert sum(line.startswith("  expected: ") for line in lines) == len(error.problems)
    assert "more problem" not in str(error)
    # The first problem stays available on its own, for a caller with room for one line.
    assert (error.line, error.column, error.message) == (1, 10, messages[0])


def test_a_duplicate_key_is_judged_by_its_last_value_as_yaml_reads_it():
    error = error_for("fail_on: error\nfail_on: sometimes\n")
    assert [(p.line, p.column) for p in error.problems] == [(2, 1), (2, 10)]
    assert "(got 'sometimes')" in error.problems[1].message


def test_a_config_error_keeps_every_problem_across_processes():
    error = error_for("fail_on: x\nseverty: {}\n")
    again = pickle.loads(pickle.dumps(error))
    assert again.problems == error.problems and str(again) == str(error)


def test_unsafe_yaml_tags_are_refused():
    error = error_for("fail_on: !!python/object/apply:os.system ['true']\n")
    assert error.message.startswith("broken YAML: ")
    assert error.line == 1


# --- the starter file -------------------------------------------------------------------------------


def test_starter_file_loads_to_the_defaults():
    assert load_config(starter_text()).model_dump() == default_config().model_dump()


def test_starter_file_documents_every_key():
    text = starter_text()
    for key in Config.model_fields:
        assert f"\n{key}:" in text
    for category in CATEGORIES:
        assert f"\n  {category}: error" in text
        assert f"\n  {category}: builtin" in text
    for key in ("include:", "exclude:", "target:", "category:", "construct:", "paths:",
                "reason:", "expires:", "owner:"):
        assert key in text


def test_starter_tolerations_load_once_uncommented():
    text = starter_text()
    head, _, commented = text.partition("tolerate: []\n")
    entries = "".join(line[1:] + "\n" for line in commented.splitlines() if line.startswith("#  "))
    config = load_config(head + "tolerate:\n" + entries)
    assert len(config.tolerate) == 2
    assert all(t.reason and t.owner for t in config.tolerate)
    assert config.tolerate[0].expires is not None


# --- robustness ---------------------------------------------------------------------------------


def test_config_survives_pickling_for_worker_processes():
    text = "files:\n  include: ['a/**']\ntolerate:\n  - target: x\n    paths: a/\n    reason: r\n"
    config = pickle.loads(pickle.dumps(load_config(text, "x.yml")))
    assert config.source == "x.yml"
    assert config.is_integration_test("a/b/test_c.py")
    assert config.tolerate[0].line == 4
    assert config.tolerate[0].matches(path="a/q.py", construct="patch", target="x", category="generic")


def test_a_damaged_rules_file_is_refused_never_crashes():
    """Every mutation of a full rules file either loads or raises a positioned ConfigError."""
    text = starter_text().replace("tolerate: []\n#", "tolerate:\n ").replace("\n#  ", "\n   ")
    lines = text.splitlines(keepends=True)
    rng = random.Random(7)
    refused = 0
    for _ in range(400):
        damaged = list(lines)
        at = rng.randrange(len(damaged))
        kind = rng.randrange(3)
        if kind == 0:
            del damaged[at]
        elif kind == 1:
            cut = rng.randrange(len(damaged[at]) + 1)
            junk = rng.choice([":", "- ", " ", "[", "{", "'", "x", "\t", "!!str ", "&a ", "*a"])
            damaged[at] = damaged[at][:cut] + junk + damaged[at][cut:]
        else:
            damaged[at] = " " + damaged[at]
        try:
            load_config("".join(damaged))
        except ConfigError as error:
            refused += 1
            assert error.line is not None and error.column is not None, str(error)
    assert refused > 50


# --- the team's template files ----------------------------------------------------------------------

TEMPLATES = "templates:\n  database: tests/templates/db.py\n  http: tests/templates/http.py\n  time: builtin\n"
GOOD_TEMPLATE = '"""Talk to the real database."""\n\n\ndef test_db(database):\n    assert database.ping()\n'


def test_named_templates_are_read_and_kept_when_a_reader_is_given():
    files = {"tests/templates/db.py": GOOD_TEMPLATE, "tests/templates/http.py": GOOD_TEMPLATE}
    asked: list[str] = []
    config = load_config(TEMPLATES, read_file=lambda path: asked.append(path) or files.get(path))
    assert sorted(asked) == sorted(files)  # each file once; `builtin` is never read
    assert config.template_texts() == files
    assert config.template_position("http") == (3, 9)


@pytest.mark.parametrize(
    "files, line, message",
    [
        pytest.param({"tests/templates/http.py": GOOD_TEMPLATE}, 2,
                     "templates.database: the template file 'tests/templates/db.py' does not exist", id="missing"),
        pytest.param({"tests/templates/db.py": GOOD_TEMPLATE, "tests/templates/http.py": "def test_x(:\n"}, 3,
                     "templates.http: the template file 'tests/templates/http.py' is not a Python module", id="unparsable"),
    ],
)
def test_a_missing_or_unparsable_template_is_a_rules_file_error_with_position(files, line, message):
    with pytest.raises(ConfigError) as caught:
        load_config(TEMPLATES, "ci/mg.yml", read_file=files.get)
    (problem,) = caught.value.problems
    assert (problem.source, problem.line, problem.column) == ("ci/mg.yml", line, 13 if line == 2 else 9)
    assert problem.message.startswith(message)
    assert str(caught.value).startswith(f"ci/mg.yml:{line}:")


def test_template_problems_come_with_the_other_problems():
    with pytest.raises(ConfigError) as caught:
        load_config(TEMPLATES + "fail_on: sometimes\n", read_file=lambda path: None)
    assert [p.line for p in caught.value.problems] == [2, 3, 5]


def test_without_a_reader_templates_are_named_but_not_read():
    config = load_config(TEMPLATES)
    assert config.template_files() == ("tests/templates/db.py", "tests/templates/http.py")
    assert config.template_texts() == {}


# --- the schema follows the category list -------------------------------------------------------------


def test_every_category_has_a_severity_and_a_template_key_and_nothing_else():
    from bot.engine.rulesfile.schema import Severities, Templates

    from bot.engine.rules import RULES

    assert [info.alias or name for name, info in Templates.model_fields.items()] == list(CATEGORIES)
    # severity also takes a rule id (`MG303: error`), over its category
    assert [info.alias or name for name, info in Severities.model_fields.items()] == [*CATEGORIES, *RULES]
    every = "".join(f"  {c}: warning\n" for c in CATEGORIES)
    config = load_config("severity:\n" + every)
    assert {config.severity_for(c) for c in CATEGORIES} == {"warning"}
