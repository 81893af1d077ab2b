"""Errors Mercado Livre answers with, as one typed exception that keeps ML's own words (for the journal)."""

from __future__ import annotations

from typing import Any

from services.errors import OperationFailed


class MeliApiError(OperationFailed):
    """Mercado Livre refused a request: HTTP status, ML's machine code, ML's message and its `cause` list.

    The message never contains a token: it is built from the method, the path and ML's answer only.
    """

    def __init__(self, status: int, error: str, message: str, cause: list[Any] | None = None, *, where: str = ""):
        self.status = status
        self.error = error
        self.message = message
        self.cause = list(cause or [])
        self.where = where
        text = f"Mercado Livre answered {status} {error or ''}".rstrip()
        if message and message != error:
            text += f": {message}"
        if where:
            text += f" ({where})"
        super().__init__(text)

    @classmethod
    def from_payload(cls, status: int, payload: object, *, where: str = "") -> MeliApiError:
        """Build from ML's error body `{"message", "error", "status", "cause"}` (any of them may be missing)."""
        if not isinstance(payload, dict):
            return cls(status, "", str(payload or "")[:300], where=where)
        error = payload.get("error") or payload.get("code") or ""
        message = payload.get("message") or payload.get("error_description") or ""
        cause = payload.get("cause") if isinstance(payload.get("cause"), list) else []
        return cls(status, str(error), str(message), cause, where=where)

    @property
    def cause_codes(self) -> list[str]:
        """The `code` of each cause (e.g. `item.available_quantity.not_modifiable`)."""
        return [str(c.get("code")) for c in self.cause if isinstance(c, dict) and c.get("code")]

    def mentions(self, code: str) -> bool:
        """Whether ML named `code` as the error or one of the causes."""
        return code == self.error or code in self.cause_codes or code in self.message


class AnswerLost(OperationFailed):
    """A request that changes something reached Mercado Livre (or may have) and its answer was lost on the way
    back: whether it was applied is unknown, so it is never re-sent blindly; the caller reads the result back
    before deciding anything."""

    def __init__(self, where: str, cause: str):
        self.where = where
        super().__init__(f"the answer to {where} was lost ({cause}): Mercado Livre may have applied it")
