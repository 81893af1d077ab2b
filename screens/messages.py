"""Messages between screens and the App (Harlequin's chain of messages). They live in `screens/`
because screens post them and imports go `tui -> screens -> services`.

Screens post *intents* (…Requested, …Pasted); the App answers by starting a named worker, and the
worker posts *results* (…Loaded, …Started, …Failed) that the App turns into state and screen updates.
Screens never call services themselves. Other areas add their own messages in a module of their own
(e.g. `screens/sync_messages.py`) following the same naming.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from screens.connection import ConnectionView

# Intents, posted by screens ------------------------------------------------------------------


class StatusRefreshRequested(Message):
    """Read the connection status again (account, token expiry, secret store, last runs)."""


class ConnectRequested(Message):
    """Start an authorization: build the URL and open the connect modal."""


@dataclass
class AuthorizationPasted(Message):
    """The operator pasted the redirect URL (or the bare code) into the connect modal."""

    text: str


class DemoApprovalRequested(Message):
    """Demo only: approve the sandbox authorization page on the operator's behalf."""


@dataclass
class UnlinkRequested(Message):
    """S9: revoke the grant and delete the tokens; `purge` also deletes local data.

    `local_only` removes the local tokens without asking Mercado Livre (after a failed revoke).
    """

    purge: bool = False
    local_only: bool = False


# Results, posted by workers ------------------------------------------------------------------


@dataclass
class StatusLoaded(Message):
    """A fresh `ConnectionView` for the connection screen."""

    status: ConnectionView


@dataclass
class AuthorizationStarted(Message):
    """The authorization URL the operator must open; the connect modal shows it."""

    url: str


@dataclass
class ConnectFailed(Message):
    """The pasted URL or code was refused; explained in place inside the connect modal."""

    reason: str


@dataclass
class Connected(Message):
    """Tokens stored; `nickname` is the account that authorized."""

    nickname: str


@dataclass
class DemoApproved(Message):
    """Demo only: the sandbox redirected to this URL, ready to paste."""

    redirect_url: str


@dataclass
class Unlinked(Message):
    """S9 done: `revoked` says whether Mercado Livre confirmed; `purged` whether local data went too."""

    revoked: bool
    purged: bool
    note: str | None = None  # what the operator should still check (e.g. the grant on the site)


@dataclass
class UnlinkRevokeFailed(Message):
    """Mercado Livre did not confirm the revoke; the tokens are still here. `reason` says why."""

    reason: str
