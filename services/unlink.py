"""S9 unlink: revoke the grant on Mercado Livre, delete the tokens, mark the account disconnected.

ERP data, links and the journal stay unless `purge` is asked. If the revoke call fails, nothing local is
removed unless the operator says so (`local_only`): then the tokens go, and the report says the grant
may still be active on Mercado Livre (remove it there under "Aplicações autorizadas").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from services.config import Config
from services.connection import forget_connection, load_connection, update_connection
from services.errors import MelisyncError, NotConnected, OperationFailed
from services.i18n import N_
from services.reasons import Code, Reason
from services.secrets import SecretStore
from services.store import close_stores
from services.store.erp_files import CODES_PREFIX
from services.store.generations import all_copies
from services.store.journal import remove_journal

if TYPE_CHECKING:
    from services.meli.client import MeliClient

PURGED_FILES = (
    "erp.json",
    "erp.json.v1",
    "ledger.jsonl",
    "meli.json",
    "links.jsonl",
    "journal.json",
    "journal.json.migrated",
    "summary.json",
)


@dataclass
class UnlinkReport:
    revoked: bool
    revoke_error: Reason | None  # why it was not revoked (words at the edge: words/reasons.py)
    tokens_deleted: bool
    purged: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # English labels marked N_(): translated where shown

    def to_dict(self, say: Callable[[Reason | None], str]) -> dict[str, Any]:
        """The `--json` form; `say` puts the reason in words (English: words/reasons.say_english)."""
        return {
            "revoked": self.revoked,
            "revoke_error": say(self.revoke_error) if self.revoke_error else None,
            "tokens_deleted": self.tokens_deleted,
            "purged": self.purged,
            "kept": self.kept,
        }


class RevokeFailed(OperationFailed):
    """Mercado Livre did not confirm the revoke; local tokens were kept (say `local_only` to remove them)."""


async def unlink(
    config: Config, client: MeliClient | None = None, *, purge: bool = False, local_only: bool = False
) -> UnlinkReport:
    """Revoke (unless `local_only`), then delete tokens and the connection facts; purge data if asked.

    `client` is a MeliClient for this home (needed unless `local_only`). Raises RevokeFailed when the
    revoke fails and `local_only` is not set: nothing local has changed then.
    """
    home = config.home
    connection = load_connection(home)
    store = SecretStore(home)
    if not connection.connected and store.load_tokens() is None and not purge:
        raise NotConnected(N_("no Mercado Livre account is connected: nothing to unlink"))
    revoked, error = False, None  # error: why it was not revoked
    if local_only:
        error = Reason(Code.NOT_REVOKED_LOCAL_ONLY)
    else:
        assert client is not None, "a client is needed unless local_only"
        try:
            user_id = connection.user_id or await client.user_id()
            await client.revoke_grant(int(user_id), connection.app_id or config.client_id)
            revoked = True
        except NotConnected as exc:
            # The tokens no longer work (revoked on the site, or expired): they are useless, so they go;
            # the report says the grant could not be confirmed revoked.
            error = Reason(Code.TOKENS_REFUSED, error=str(exc))
        except MelisyncError as exc:
            raise RevokeFailed(
                N_(
                    "Mercado Livre did not revoke the authorization: {exc}. Nothing was removed. Try again, or run `melisync unlink --local-only` to delete the local tokens anyway (then remove the app on Mercado Livre under Aplicações autorizadas)"
                ),
                exc=exc,
            ) from None
    store.delete_tokens()
    if purge:
        forget_connection(home)
    else:
        update_connection(home, connected=False, needs_reauthorization=False, token_expires_at=None, secret_store=None)
    report = UnlinkReport(revoked=revoked, revoke_error=error, tokens_deleted=True)
    if purge:
        close_stores()
        for name in PURGED_FILES:
            path = Path(home) / name
            if path.exists():
                path.unlink()
                report.purged.append(name)
            for copy in all_copies(path):  # generations, damaged copies, leftovers of a killed write
                copy.unlink(missing_ok=True)
        for path in sorted(Path(home).glob(f"{CODES_PREFIX}*.jsonl")):  # the ERP catalogue and its copies
            path.unlink()
            report.purged.append(path.name)
        for path in Path(home).glob(f".{CODES_PREFIX}*.tmp"):  # a killed write's leftover
            path.unlink(missing_ok=True)
        if remove_journal(home):
            report.purged.append("journal/")
    else:
        report.kept = [N_("ERP catalogue and stock ledger"), N_("links"), N_("sync journal")]
    return report
