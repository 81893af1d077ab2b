"""Typed errors shared by the services; each carries the CLI exit status of docs/architecture.md §5."""

from __future__ import annotations

from services.i18n import _
from services.reasons import Reason


class MelisyncError(Exception):
    """Base of every error meant for the operator: its message says what happened and what to do.

    `MelisyncError(N_("no run {run}"), run=5)`: the message is translated where it is raised (the language is
    set before any command or screen runs) and `english` keeps the source text for the machine-readable
    answers (`--json`), which stay English whatever the language. `reason`, when given, is the same as a code
    and values: the CLI and the TUI show it in the operator's language (words/reasons.py).
    """

    exit_code = 1

    def __init__(self, message: str = "", /, *, reason: Reason | None = None, **values: object) -> None:
        # A value that has words of its own (an OS error's, another error's) gives its English here.
        english = {name: getattr(value, "english", value) for name, value in values.items()}
        self.english = message.format(**english) if values else message
        self.reason = reason
        super().__init__(_(message, **values) if message else message)


class OperationFailed(MelisyncError):
    """The operation ran and failed (or finished with errors): exit 1."""

    exit_code = 1


class BadInput(MelisyncError):
    """Bad usage or bad input (a malformed CSV, a wrong pasted URL, an unknown key): exit 2."""

    exit_code = 2


class NotConnected(MelisyncError):
    """No Mercado Livre account is connected, or it must be authorized again: exit 3."""

    exit_code = 3


class ReauthorizationNeeded(NotConnected):
    """Mercado Livre refused the refresh token (invalid_grant): the seller must connect again."""
