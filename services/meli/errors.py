"""Errors Mercado Livre answers with, as one typed exception that keeps ML's own words (for the journal)."""

from __future__ import annotations

from typing import Any

from services.errors import OperationFailed
from services.i18n import N_
from services.reasons import Code, Reason

# The same words as the codes' in words/reasons.py (one catalogue entry each).
ML_ANSWERED = N_("Mercado Livre answered {answer} ({where})")
ML_SAYING = N_('Mercado Livre answered {answer} ({where}): "{message}"')
ANSWER_LOST = N_("the answer to {where} was lost ({cause}): Mercado Livre may have applied it")


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
        # Our words around ML's: translated where shown (words/reasons.py); ML's message stays as ML sent it.
        answer = f"{status} {error or ''}".rstrip()
        said = message if message and message != error else ""
        causes = "; ".join(str(c.get("message") or c.get("code")) for c in self.cause if isinstance(c, dict))
        if causes and causes not in said:
            said = f"{said} ({causes})" if said else causes
        if said:
            reason = Reason(Code.ML_ANSWERED_SAYING, answer=answer, where=where or "?", message=said)
            super().__init__(ML_SAYING, reason=reason, answer=answer, where=where or "?", message=said)
        else:
            reason = Reason(Code.ML_ANSWERED, answer=answer, where=where or "?")
            super().__init__(ML_ANSWERED, reason=reason, answer=answer, where=where or "?")

    @property
    def said(self) -> Reason:
        """What Mercado Livre answered, as a reason (our words around ML's own message and causes)."""
        assert self.reason is not None  # set in __init__
        return self.reason

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
        super().__init__(
            N_(ANSWER_LOST), reason=Reason(Code.ANSWER_LOST, where=where, cause=cause), where=where, cause=cause
        )
