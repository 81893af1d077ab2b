"""Typed errors shared by the services; each carries the CLI exit status of docs/architecture.md §5."""

from __future__ import annotations

from services.reasons import Reason


class MelisyncError(Exception):
    """Base of every error meant for the operator: its message says what happened and what to do.

    `reason`, when given, is the same as a code and values: the CLI and the TUI show it in the operator's
    language (words/reasons.py); the message stays the English words for logs."""

    exit_code = 1

    def __init__(self, *args: object, reason: Reason | None = None) -> None:
        super().__init__(*args)
        self.reason = reason


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
