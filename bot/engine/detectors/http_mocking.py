"""MG106: HTTP mocking libraries (responses, respx, requests-mock, aioresponses, httpretty, pytest-httpx)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import libcst as cst
else:
    from ..lazy import libcst as cst  # loaded on first use

from .base import Draft, Invalid, Library, Rule, UseContext, keyword

HTTP_LIBRARIES = (
    Library("responses", modules=("responses",), category="http"),
    Library(
        "respx",
        modules=("respx",),
        fixtures={"respx_mock": "respx.MockRouter"},
        annotation_types=("respx.MockRouter",),
        category="http",
    ),
    Library(
        "requests_mock",
        modules=("requests_mock",),
        fixtures={"requests_mock": "requests_mock.Mocker"},
        annotation_types=("requests_mock.Mocker",),
        category="http",
    ),
    Library("aioresponses", modules=("aioresponses",), category="http"),
    Library("httpretty", modules=("httpretty",), category="http"),
    Library(
        "pytest_httpx",
        modules=("pytest_httpx",),
        fixtures={"httpx_mock": "pytest_httpx.HTTPXMock"},
        annotation_types=("pytest_httpx.HTTPXMock",),
        labels=("pytest-httpx",),
        category="http",
    ),
    # httpx itself is no mocking library, but its MockTransport answers requests in-process.
    Library("httpx", hosts=("httpx",), category="http"),
)

# Uses that install an HTTP mock, by canonical name. Registering routes on an installed mock
# (`responses.add`, `rsps.get(...)`) only configures it and is not a new site.
INSTALLERS = {
    "responses.activate": "responses",
    "responses.RequestsMock": "responses",
    "responses.start": "responses",
    "responses.mock": "responses",
    "respx.mock": "respx",
    "respx.MockRouter": "respx",
    "respx.MockTransport": "respx",
    "respx.start": "respx",
    "requests_mock.Mocker": "requests_mock",
    "requests_mock.mock": "requests_mock",
    "requests_mock.Adapter": "requests_mock",
    "requests_mock.adapter.Adapter": "requests_mock",
    "httpx.MockTransport": "httpx",
    "aioresponses.aioresponses": "aioresponses",
    "httpretty.activate": "httpretty",
    "httpretty.enable": "httpretty",
    "httpretty.httprettized": "httpretty",
}
# Fixtures that are inert until a route is registered on them: the registration is the site.
FIXTURE_ROUTES = {
    "respx.MockRouter": ("respx", {"route", "get", "post", "put", "patch", "delete", "head", "options", "request"}),
    "requests_mock.Mocker": (
        "requests_mock",
        {"get", "post", "put", "patch", "delete", "head", "options", "request", "register_uri"},
    ),
    "pytest_httpx.HTTPXMock": ("pytest-httpx", {"add_response", "add_callback", "add_exception"}),
}


def passes_through(call: cst.Call, ctx: UseContext) -> bool:
    """A route that lets the request reach the real host fakes nothing: respx's
    `.pass_through()`, requests-mock's `real_http=True`."""
    if ctx.chained == "pass_through":
        return True
    real = keyword(call, "real_http")
    return real is not None and ctx.code(real) == "True"


class HttpMockingLibrary(Rule):
    id = "MG106"
    name = "http-mocking-library-in-integration-test"
    summary = "An integration test intercepts HTTP with a mocking library instead of a real server"
    what_it_does = """
        Flags each new installation of an HTTP mock: `@responses.activate`, `responses.RequestsMock()`,
        `respx.mock`, `requests_mock.Mocker()`, `aioresponses()`, `httpretty.activate`, and a route
        registered on the `respx_mock`, `requests_mock` or `httpx_mock` fixtures (not one that passes
        through to the real host), `httpx.MockTransport(...)` and `requests_mock.Adapter()`.
    """
    why_bad = """
        These libraries answer inside the HTTP client, before a socket is opened. Timeouts, TLS,
        headers, serialisation, redirects and the real server's error answers never happen, so the
        test cannot catch the bugs that live there.
    """
    example = """
        @responses.activate
        def test_weather():
            responses.get("https://api.example.com/today", json={"temp": 21})
            assert fetch_weather().temp == 21
    """
    use_instead = """
        Start a real HTTP server on 127.0.0.1 in a fixture, point the client's base URL at it and
        let the request travel over a real socket.
    """
    VALID = (
        "import httpx\n\ndef test_x(live_server):\n    assert httpx.get(live_server.url).status_code == 200\n",
        "def test_x(rsps):\n    rsps.add('GET', 'http://x', json={})  # configures a mock the fixture installed\n",
    )
    INVALID = (
        Invalid("import responses\n\n@responses.activate\ndef test_x():\n    responses.get('http://x', json={})\n", lines=(3,), construct="responses", category="http"),
        Invalid("import respx\n\ndef test_x():\n    with respx.mock(base_url='http://x') as router:\n        router.get('/a')\n", lines=(4,)),
        Invalid("def test_x(httpx_mock):\n    httpx_mock.add_response(json={'ok': True})\n", lines=(2,), construct="pytest-httpx"),
    )

    libraries = HTTP_LIBRARIES
    # A route registered on a fixture stands on a line that names the fixture (a derived word);
    # `responses.start()` names its module, and "start" alone is too common a word.
    trigger_words = frozenset(
        {"mock", "add_response", "add_callback", "add_exception", "route"}
        | {q.rsplit(".", 1)[-1] for q in INSTALLERS} - {"start"}
    )

    def on_call(self, qualified: str, call: cst.Call, ctx: UseContext) -> Draft | None:
        if qualified in INSTALLERS:
            return Draft(construct=INSTALLERS[qualified], library=INSTALLERS[qualified], component=f"http:{INSTALLERS[qualified]}:{ctx.test_name}")
        owner, _, method = qualified.rpartition(".")
        if owner in FIXTURE_ROUTES and method in FIXTURE_ROUTES[owner][1]:
            if passes_through(call, ctx):
                return None
            library = FIXTURE_ROUTES[owner][0]
            return Draft(construct=library, library=library, component=f"http:{library}:{ctx.test_name}")
        return None

    def on_reference(self, qualified: str, node: cst.BaseExpression, ctx: UseContext) -> Draft | None:
        if ctx.how in ("decorator", "with") and qualified in INSTALLERS:
            return Draft(construct=INSTALLERS[qualified], library=INSTALLERS[qualified], component=f"http:{INSTALLERS[qualified]}:{ctx.test_name}")
        return None
