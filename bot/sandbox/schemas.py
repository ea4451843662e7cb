"""GitHub's OpenAPI subset, loaded from the copy shipped in `bot/sandbox/data/`.

Two uses:
- every request body is validated against its operation's schema; a failure answers 422 worded as
  GitHub's own validator words it ("Invalid request.\\n\\n\\"name\\" wasn't supplied.",
  "No more than 50 items are allowed; 51 were supplied.", "For 'properties/status', ...");
- the tests validate the sandbox's answers against the response schemas (`response_validator`).

OpenAPI 3.0 schemas are not quite JSON Schema: `nullable: true` is rewritten into a `null` type and
the document is served to `jsonschema` as one resource so that its `$ref`s resolve.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any
from urllib.parse import quote

import jsonschema
from referencing import Registry
from referencing.jsonschema import DRAFT4

DOC_URI = "urn:mockguard:github-subset"
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def load_spec_text() -> str:
    return resources.files("bot.sandbox").joinpath("data/github-subset.json").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def spec() -> dict[str, Any]:
    return json.loads(load_spec_text())


def _nullable_to_jsonschema(node: Any) -> Any:
    if isinstance(node, list):
        return [_nullable_to_jsonschema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _nullable_to_jsonschema(value) for key, value in node.items()}
    # `examples`, `example` and `discriminator` are OpenAPI-only; `enum` with null and so on stay.
    for key in ("example", "examples", "discriminator", "x-github", "x-github-breaking-changes"):
        out.pop(key, None)
    if out.pop("nullable", False):
        if "type" in out:
            kind = out["type"]
            out["type"] = [*kind, "null"] if isinstance(kind, list) else [kind, "null"]
            if "enum" in out and None not in out["enum"]:
                out["enum"] = [*out["enum"], None]
        else:
            inner = {k: v for k, v in out.items() if k not in ("title", "description")}
            out = {k: v for k, v in out.items() if k in ("title", "description")}
            out["anyOf"] = [inner, {"type": "null"}]
    return out


@lru_cache(maxsize=1)
def _registry() -> Registry:
    converted = _nullable_to_jsonschema(copy.deepcopy(spec()))
    return Registry().with_resource(DOC_URI, DRAFT4.create_resource(converted))


def _pointer(*parts: str) -> str:
    escaped = [part.replace("~", "~0").replace("/", "~1") for part in parts]
    return DOC_URI + "#/" + quote("/".join(escaped), safe="/~")


_format_checker = jsonschema.FormatChecker(formats=())


@_format_checker.checks("date-time")
def _is_date_time(value: object) -> bool:
    return not isinstance(value, str) or bool(_DATE_TIME.match(value))


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    operation_id: str
    docs_url: str
    has_body: bool
    body_required: bool


@lru_cache(maxsize=1)
def operations() -> dict[tuple[str, str], Operation]:
    out: dict[tuple[str, str], Operation] = {}
    for path, item in spec()["paths"].items():
        for method, op in item.items():
            if method not in ("get", "post", "patch", "put", "delete"):
                continue
            body = op.get("requestBody")
            out[(method.upper(), path)] = Operation(
                method=method.upper(),
                path=path,
                operation_id=op.get("operationId", ""),
                docs_url=(op.get("externalDocs") or {}).get("url", "https://docs.github.com/rest"),
                has_body=body is not None,
                body_required=bool(body and body.get("required")),
            )
    return out


def operation(method: str, path: str) -> Operation | None:
    return operations().get((method.upper(), path))


@lru_cache(maxsize=None)
def request_validator(method: str, path: str) -> jsonschema.Draft4Validator | None:
    op = operation(method, path)
    if op is None or not op.has_body:
        return None
    ref = _pointer("paths", path, method.lower(), "requestBody", "content", "application/json", "schema")
    return jsonschema.Draft4Validator({"$ref": ref}, registry=_registry(), format_checker=_format_checker)


@lru_cache(maxsize=None)
def response_validator(method: str, path: str, status: int) -> jsonschema.Draft4Validator | None:
    """Validator of the JSON answer GitHub documents for (method, path, status), if any."""
    op_node = spec()["paths"].get(path, {}).get(method.lower())
    if op_node is None:
        return None
    response = op_node.get("responses", {}).get(str(status))
    if response is None:
        return None
    parts: tuple[str, ...] = ("paths", path, method.lower(), "responses", str(status))
    if "$ref" in response:
        name = response["$ref"].rsplit("/", 1)[-1]
        response = spec()["components"]["responses"][name]
        parts = ("components", "responses", name)
    content = response.get("content", {})
    media = next((m for m in content if m.startswith("application/json")), None)
    if media is None or "schema" not in content[media]:
        return None
    ref = _pointer(*parts, "content", media, "schema")
    return jsonschema.Draft4Validator({"$ref": ref}, registry=_registry())


# ---- GitHub's wording of schema failures -------------------------------------------------------

def _ruby_inspect(value: Any) -> str:
    """How GitHub's (Ruby) validator prints a value inside its messages."""
    if value is None:
        return "nil"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_ruby_inspect(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))}=>{_ruby_inspect(v)}" for k, v in value.items()) + "}"
    return str(value)


def _article(kind: str) -> str:
    return ("an " if kind[:1] in "aeiou" else "a ") + kind


def _where(error: jsonschema.ValidationError) -> str:
    """The schema path above the failing keyword, e.g. `properties/output/properties/title`."""
    parts = [str(p) for p in list(error.absolute_schema_path)[:-1] if p != "$ref"]
    return "/".join(parts) or "#"


def _messages(error: jsonschema.ValidationError) -> list[str]:
    # A validator's error always carries the instance and the keyword's value (`Unset` is only for
    # errors built by hand); both are whatever JSON they are.
    kind = error.validator
    value: Any = error.instance
    expected: Any = error.validator_value
    if kind == "required":
        missing = sorted(k for k in expected if isinstance(value, dict) and k not in value)
        verb = "wasn't" if len(missing) == 1 else "weren't"
        return ['"' + '", "'.join(missing) + f'" {verb} supplied.']
    if kind == "type":
        kinds = expected if isinstance(expected, list) else [expected]
        shown = "/".join(k for k in kinds)
        return [f"For '{_where(error)}', {_ruby_inspect(value)} is not {_article(shown)}."]
    if kind == "enum":
        return [f"For '{_where(error)}', {_ruby_inspect(value)} is not a member of {_ruby_inspect(expected)}."]
    if kind == "maxItems":
        noun = "item is" if expected == 1 else "items are"
        verb = "was" if len(value) == 1 else "were"
        return [f"No more than {expected} {noun} allowed; {len(value)} {verb} supplied."]
    if kind == "minItems":
        noun = "item" if expected == 1 else "items"
        verb = "was" if len(value) == 1 else "were"
        return [f"{expected} {noun} required; only {len(value)} {verb} supplied."]
    if kind == "maxLength":
        noun = "character is" if expected == 1 else "characters are"
        verb = "was" if len(value) == 1 else "were"
        return [f"Only {expected} {noun} allowed; {len(value)} {verb} supplied."]
    if kind == "minLength":
        noun = "character is" if expected == 1 else "characters are"
        verb = "was" if len(value) == 1 else "were"
        return [f"At least {expected} {noun} required; only {len(value)} {verb} supplied."]
    if kind == "format":
        return [f"{value} is not a valid {expected}."]
    if kind in ("oneOf", "anyOf"):
        out = [f'No subschema in "{kind}" matched.']
        for line in _all_messages(sorted(error.context or [], key=lambda e: [str(p) for p in e.relative_schema_path])):
            if line not in out:
                out.append(line)
        return out
    if kind == "additionalProperties":
        return [error.message]
    if kind in ("maximum", "minimum"):
        return [f"{value} must be {'less' if kind == 'maximum' else 'greater'} than or equal to {expected}."]
    return [error.message]


# Bodies of the operations the sandbox serves beyond the subset, as their docs pages describe them.
EXTRA_REQUEST_SCHEMAS: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/repos/{owner}/{repo}/pulls/{pull_number}/comments/{comment_id}/replies"):
        {"type": "object", "required": ["body"], "properties": {"body": {"type": "string"}}},
    ("POST", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews/{review_id}/events"):
        {"type": "object", "properties": {"body": {"type": "string"}, "event": {"type": "string"}}},
}


@lru_cache(maxsize=None)
def _extra_validator(method: str, path: str) -> jsonschema.Draft4Validator | None:
    schema = EXTRA_REQUEST_SCHEMAS.get((method.upper(), path))
    return None if schema is None else jsonschema.Draft4Validator(schema)


def body_errors(method: str, path: str, body: Any) -> list[str]:
    """GitHub-worded messages for every way `body` breaks the operation's schema ([] when valid)."""
    validator = request_validator(method, path) or _extra_validator(method, path)
    if validator is None:
        return []
    return _all_messages(sorted(validator.iter_errors(body), key=lambda e: [str(p) for p in e.absolute_path]))


def _all_messages(found: list[jsonschema.ValidationError]) -> list[str]:
    """One message per error, except that the missing keys of one object make one message."""
    messages: list[str] = []
    seen_required: set[tuple] = set()
    for error in found:
        if error.validator == "required":
            key = (tuple(error.absolute_path), tuple(str(p) for p in error.absolute_schema_path))
            if key in seen_required:
                continue
            seen_required.add(key)
        messages.extend(_messages(error))
    return messages
