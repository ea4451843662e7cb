"""GitHub's error answers: one exception carries the status, the message and the body GitHub sends.

The bodies follow GitHub's (`message`, optional `errors`, `documentation_url` and `status` as a
string; docs/sandbox.md, [gh: errors]). Where GitHub's exact wording is only known from public reports, the
report is named next to the helper that uses it.
"""

from __future__ import annotations

from typing import Any

DOCS_ROOT = "https://docs.github.com/rest"
RATE_LIMIT_DOCS = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"
SECONDARY_RATE_LIMIT_DOCS = RATE_LIMIT_DOCS + "#about-secondary-rate-limits"


class ApiError(Exception):
    """An answer in GitHub's error shape. `documentation_url=None` means "the operation's own page"."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        errors: list[Any] | None = None,
        documentation_url: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {message}")
        self.status = status
        self.message = message
        self.errors = errors
        self.documentation_url = documentation_url
        self.headers = dict(headers or {})

    def body(self, operation_docs: str | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {"message": self.message}
        if self.errors is not None:
            out["errors"] = self.errors
        out["documentation_url"] = self.documentation_url or operation_docs or DOCS_ROOT
        out["status"] = str(self.status)
        return out


def not_found() -> ApiError:
    return ApiError(404, "Not Found")


def bad_credentials() -> ApiError:
    # [gh: auth-errors] in docs/sandbox.md: unknown and expired installation tokens both answer "Bad credentials".
    return ApiError(401, "Bad credentials", documentation_url=DOCS_ROOT)


def jwt_error(message: str) -> ApiError:
    # [gh: auth-errors] in docs/sandbox.md and the public reports it names: JWT problems answer 401 with docs root.
    return ApiError(401, message, documentation_url=DOCS_ROOT)


JWT_NOT_DECODED = "A JSON web token could not be decoded"
JWT_EXP_TOO_FAR = "'Expiration time' claim ('exp') is too far in the future"
JWT_EXP_INVALID = (
    "'Expiration time' claim ('exp') must be a numeric value representing the future time at which "
    "the assertion expires"
)
JWT_IAT_INVALID = "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued"
JWT_ISS_MISSING = "Missing 'issuer' claim ('iss') in assertion"
JWT_ISS_NOT_INTEGER = "'Issuer' claim ('iss') must be an Integer"


def requires_authentication() -> ApiError:
    return ApiError(401, "Requires authentication")


def not_accessible(accepted_permissions: str) -> ApiError:
    """403 for a token whose permissions do not cover the endpoint (docs/sandbox.md, [gh: errors])."""
    return ApiError(
        403,
        "Resource not accessible by integration",
        headers={"x-accepted-github-permissions": accepted_permissions},
    )


def invalid_request(messages: list[str]) -> ApiError:
    """422 for a body that breaks the endpoint's JSON schema, worded as GitHub's validator words it."""
    return ApiError(422, "Invalid request.\n\n" + "\n".join(messages))


def validation_failed(errors: list[dict[str, Any]]) -> ApiError:
    return ApiError(422, "Validation Failed", errors=errors)


def unprocessable(errors: list[str]) -> ApiError:
    """422 "Unprocessable Entity" with `errors` as strings, as the reviews endpoint answers (docs/sandbox.md, [gh: review-422])."""
    return ApiError(422, "Unprocessable Entity", errors=errors)


def problems_parsing_json() -> ApiError:
    return ApiError(400, "Problems parsing JSON")


def body_not_object() -> ApiError:
    return ApiError(400, "Body should be a JSON object")


def secondary_rate_limit(status: int) -> ApiError:
    # [gh: rate-limits] in docs/sandbox.md: the observed message (app-sre/github-mirror#62); PyGithub keys on its first words.
    return ApiError(
        status,
        "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
        documentation_url=SECONDARY_RATE_LIMIT_DOCS,
    )


def primary_rate_limit(installation_id: int | None, status: int = 403) -> ApiError:
    who = f" for installation ID {installation_id}" if installation_id is not None else ""
    return ApiError(status, f"API rate limit exceeded{who}.", documentation_url=RATE_LIMIT_DOCS)


def server_error(status: int) -> ApiError:
    if status == 502:
        return ApiError(502, "Server Error")
    if status == 503:
        return ApiError(503, "Service Unavailable")
    return ApiError(status, "Server Error" if status >= 500 else "Error")
