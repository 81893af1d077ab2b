"""The App's workers for the connection (status, connect, unlink) and the gateway they call.

Each worker has a named group, `exclusive=True` and `exit_on_error=False`; results come back as
messages from `screens.messages`; errors reach the App's one `Worker.StateChanged` handler.
`Gateway` is the seam to the services, so screen tests can run on fixed data.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from textual import work

from screens.connect_modal import ConnectModal
from screens.connection import ConnectionView, RunSummary
from screens.messages import (
    AuthorizationPasted,
    AuthorizationStarted,
    Connected,
    ConnectFailed,
    ConnectRequested,
    DemoApprovalRequested,
    DemoApproved,
    StatusLoaded,
    StatusRefreshRequested,
    Unlinked,
    UnlinkRequested,
    UnlinkRevokeFailed,
)
from services.config import Config
from services.errors import BadInput
from services.i18n import N_, _
from tui.app_part import AppPart
from words.reasons import say

if TYPE_CHECKING:
    import httpx

    from screens.connection import WatchSummary


class Gateway(Protocol):
    """What the connection workers need from the services."""

    config: Config  # the App hands a new one over when the settings change
    can_approve: bool  # demo: the sandbox can approve an authorization for the operator
    can_simulate: bool  # demo: `simulate_seller_edit(listing_id, variation_id, code) -> (old, new)` exists

    def status(self) -> ConnectionView: ...
    def begin_connect(self) -> str: ...
    async def complete_connect(self, pasted: str) -> str: ...  # -> the account's nickname
    async def demo_approve(self, url: str) -> str: ...  # -> the redirect URL
    async def unlink(self, purge: bool, local_only: bool) -> Unlinked: ...  # raises RevokeFailed


class SellerSimulator(Gateway, Protocol):
    """A gateway whose `can_simulate` is true (the demo's, cli/commands/demo.py): it plays the seller on the site."""

    def simulate_seller_edit(
        self, listing_id: str, variation_id: int | None, code: str | None
    ) -> tuple[str | None, str]: ...  # -> (old, new)


class ServiceGateway:
    """The real services: `services.meli.oauth`, `services.connection`, the journal, `services.unlink`.

    `transport` (an httpx transport) lets tests talk to the sandbox in-process; `approver` (demo)
    turns an authorization URL into the sandbox's redirect URL.
    """

    can_simulate = False  # only the demo's gateway plays the seller (cli.commands.demo)

    def __init__(
        self,
        config: Config,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        approver: Callable[[str], str] | None = None,
        demo: bool = False,
    ) -> None:
        self.config = config
        self.transport = transport
        self.approver = approver
        self.can_approve = approver is not None
        self.demo = demo

    def status(self) -> ConnectionView:
        from services.connection import load_connection

        home = Path(self.config.home)
        connection = load_connection(home)
        notes: list[str] = []
        try:
            last_runs = self._last_runs(home)
        except Exception as exc:  # a damaged journal must not hide the account
            last_runs = ()
            notes.append(_("Could not read the sync journal: {error}", error=exc))
        return ConnectionView(
            now=datetime.now(UTC),
            connected=connection.connected,
            needs_reauthorization=connection.needs_reauthorization,
            nickname=connection.nickname,
            user_id=connection.user_id,
            site_id=connection.site_id,
            token_expires_at=connection.token_expires_at,
            secret_store=connection.secret_store,
            client_secret_store=self._client_secret_store(home),
            capabilities=tuple(connection.capabilities),
            last_runs=last_runs,
            api_url=self.config.api_url,
            client_configured=bool(self.config.client_id and self.config.redirect_uri),
            demo=self.demo,
            notes=tuple(notes),
            watch=self._watch(home),
        )

    @staticmethod
    def _client_secret_store(home: Path) -> str | None:
        from services.secrets import SecretStore

        try:
            return SecretStore(home).client_secret_store()
        except Exception:  # an unreadable secrets file must not hide the account; `status` says more
            return None

    @staticmethod
    def _watch(home: Path) -> WatchSummary | None:
        from screens.connection import WatchSummary
        from services.watch_state import watch_report

        report = watch_report(home)
        if report["state"] == "stopped" and not report["last_tick"]:
            return None  # never ran here

        def when(value):
            return datetime.fromisoformat(value) if value else None

        sale, write = report["last_sale"], report["last_write"]
        return WatchSummary(
            state=report["state"],
            pid=report["pid"],
            every=report["every"],
            last_tick=when(report["last_tick"]),
            last_sale=(when(sale["at"]), str(sale["order_id"]), str(sale["erp_code"])) if sale else None,
            last_write=(when(write["at"]), int(write["run_id"]), int(write["writes"])) if write else None,
            next_reconcile=when(report["next_reconcile"]),
            errors_last_hour=report["errors_last_hour"],
            last_error=report["last_error"],
        )

    @staticmethod
    def _last_runs(home: Path) -> tuple[RunSummary, ...]:
        from services.store.journal import journal_exists

        if not journal_exists(home):
            return ()  # reading must not create the journal
        from services.run_facts import failure_reason, shown_status
        from services.status_info import last_runs

        runs = []
        for kind, run in last_runs(home).items():
            if run.started_at is None:
                continue  # a damaged record: the logs show it
            runs.append(
                RunSummary(
                    kind=kind,
                    started_at=run.started_at,
                    status=shown_status(run),
                    done=int(run.counts.get("done") or 0),
                    skipped=int(run.counts.get("skipped") or 0),
                    failed=int(run.counts.get("failed") or 0),
                    reason=failure_reason(run),
                )
            )
        return tuple(runs)

    def begin_connect(self) -> str:
        from services.meli.oauth import begin_authorization

        url, _pending = begin_authorization(self.config)
        return url

    async def complete_connect(self, pasted: str) -> str:
        from services.meli.oauth import complete_authorization

        account = await complete_authorization(self.config, pasted, transport=self.transport)
        return account.nickname

    async def demo_approve(self, url: str) -> str:
        if self.approver is None:
            raise BadInput(_("Approving for you only works in the demo."))
        return self.approver(url)

    async def unlink(self, purge: bool, local_only: bool) -> Unlinked:
        from services.meli.client import open_client
        from services.unlink import unlink

        async with open_client(self.config, transport=self.transport) as client:
            report = await unlink(self.config, client, purge=purge, local_only=local_only)
        note = None if local_only or report.revoke_error is None else say(report.revoke_error)  # tokens already dead
        return Unlinked(revoked=report.revoked, purged=bool(report.purged), note=note)


class ConnectionWorkers(AppPart):
    """Mixed into the App: intents from the connection screen and modal -> workers -> results."""

    # -- status --------------------------------------------------------------------------------------

    def refresh_status(self) -> None:
        self._load_status()

    def on_status_refresh_requested(self, message: StatusRefreshRequested) -> None:
        self.refresh_status()

    @work(thread=True, group="status", exclusive=True, exit_on_error=False, description=N_("Reading the connection"))
    def _load_status(self) -> None:
        # A thread: the journal of a big catalogue takes a while to read, and the UI must not wait.
        self.post_message(StatusLoaded(self.gateway.status()))

    def on_status_loaded(self, message: StatusLoaded) -> None:
        self.status = message.status

    # -- connect -------------------------------------------------------------------------------------

    def on_connect_requested(self, message: ConnectRequested) -> None:
        self._begin_connect()

    @work(group="connect", exclusive=True, exit_on_error=False, description=N_("Starting the authorization"))
    async def _begin_connect(self) -> None:
        self.post_message(AuthorizationStarted(self.gateway.begin_connect()))

    def on_authorization_started(self, message: AuthorizationStarted) -> None:
        self.push_screen(ConnectModal(message.url, demo=self.gateway.can_approve))

    def on_authorization_pasted(self, message: AuthorizationPasted) -> None:
        self._complete_connect(message.text)

    @work(group="connect", exclusive=True, exit_on_error=False, description=N_("Connecting the account"))
    async def _complete_connect(self, pasted: str) -> None:
        try:
            nickname = await self.gateway.complete_connect(pasted)
        except BadInput as exc:
            self.post_message(ConnectFailed(_(str(exc))))  # the services' messages have translations
            return
        self.post_message(Connected(nickname))

    def on_connect_failed(self, message: ConnectFailed) -> None:
        if isinstance(self.screen, ConnectModal):
            self.screen.show_error(message.reason)

    def on_connected(self, message: Connected) -> None:
        if isinstance(self.screen, ConnectModal):
            self.screen.dismiss(True)
        self.notify(_("Connected as {nickname}.", nickname=message.nickname), markup=False)
        self.refresh_status()

    def on_demo_approval_requested(self, message: DemoApprovalRequested) -> None:
        if isinstance(self.screen, ConnectModal):
            self._demo_approve(self.screen.url)

    @work(group="connect", exclusive=True, exit_on_error=False, description=N_("Approving on the sandbox"))
    async def _demo_approve(self, url: str) -> None:
        self.post_message(DemoApproved(await self.gateway.demo_approve(url)))

    def on_demo_approved(self, message: DemoApproved) -> None:
        if isinstance(self.screen, ConnectModal):
            self.screen.fill(message.redirect_url)

    # -- unlink (S9) ---------------------------------------------------------------------------------

    def on_unlink_requested(self, message: UnlinkRequested) -> None:
        self._unlink(message.purge, message.local_only)

    @work(group="unlink", exclusive=True, exit_on_error=False, description=N_("Unlinking the account"))
    async def _unlink(self, purge: bool, local_only: bool) -> None:
        from services.unlink import RevokeFailed

        try:
            self.post_message(await self.gateway.unlink(purge, local_only))
        except RevokeFailed as exc:
            self.post_message(UnlinkRevokeFailed(str(exc)))

    def on_unlinked(self, message: Unlinked) -> None:
        if message.revoked:
            text = _("Unlinked: the authorization was revoked on Mercado Livre and the tokens deleted.")
        else:
            text = _("Unlinked locally: the tokens were deleted here (Mercado Livre was not asked).")
        if message.purged:
            text += " " + _("Local data deleted too.")
        if message.note:
            text += "\n" + message.note
        self.notify(text, markup=False, timeout=8)
        self.refresh_status()
        # The links, mapping and logs screens show what unlink (and above all purge) just removed.
        if hasattr(self, "links_changed_elsewhere"):
            self.links_changed_elsewhere()

    def on_unlink_revoke_failed(self, message: UnlinkRevokeFailed) -> None:
        from screens.confirm import ConfirmModal

        body = _(
            "Mercado Livre did not confirm the revoke: {reason}\n\nRemove the tokens stored here anyway? "
            "The authorization may stay active on Mercado Livre until you remove it there "
            "(Minha conta > Segurança > Aplicativos).",
            reason=message.reason,
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self.post_message(UnlinkRequested(local_only=True))

        self.push_screen(ConfirmModal(_("Revoke failed"), body, yes=_("Remove local tokens"), danger=True), answered)
