"""The error answer of the emulated API: `{message, error, status, cause}` (docs/mercado-livre-api.md §10)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

STATUS_ERRORS = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    429: "too_many_requests",
    500: "internal_server_error",
    502: "bad_gateway",
    503: "service_not_available",
    504: "gateway_timeout",
}


class ApiError(Exception):
    """An API answer other than success; raised inside the state, rendered by the app."""

    def __init__(
        self,
        status: int,
        error: str | None = None,
        message: str = "",
        cause: Iterable[object] | None = None,
        headers: Mapping[str, str] | None = None,
        extra: dict | None = None,
    ) -> None:
        super().__init__(message or error or str(status))
        self.status = status
        self.error = error or STATUS_ERRORS.get(status, "error")
        self.message = message or self.error
        self.cause = list(cause or [])
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})

    def body(self) -> dict:
        body = {"message": self.message, "error": self.error, "status": self.status, "cause": self.cause}
        body.update(self.extra)
        return body


def validation_error(code: str, message: str, status: int = 400) -> ApiError:
    """A rejected write: the machine code goes in `error` and in `cause[0].code` (clients read either)."""
    return ApiError(status, code, message, cause=[{"code": code, "message": message}])


def not_found(what: str) -> ApiError:
    return ApiError(404, "not_found", f"{what} not found")


def invalid_token() -> ApiError:
    # The documented body for an expired or unknown access token (docs/mercado-livre-api.md §10).
    return ApiError(401, "not_found", "invalid_token")


def oauth_error(error: str, description: str, status: int = 400) -> ApiError:
    """Token endpoint errors carry `error_description` (docs/mercado-livre-api.md §1.4); `message` too, for uniform clients."""
    return ApiError(status, error, description, extra={"error_description": description})
