"""The App's workers for the linked products: the links table (ignore, accept, write a reference code),
the variation mapping and its conversion (services/mapping.py decides), CSV export and the journal for the
logs. Intents from the screens -> named workers -> results as messages (screens/sync_messages.py): thread
workers around the services' blocking calls (the stored links, the ERP, the journal), async workers on the
App's loop for what talks to Mercado Livre (the engine does its own file work off the loop).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, cast

from rich.markup import escape
from textual import work
from textual.signal import Signal
from textual.worker import get_current_worker

from screens.sync_messages import (
    AcceptCodeRequested,
    ConversionDone,
    ConversionPreviewed,
    ConversionRequested,
    IgnoreRequested,
    LinkQuery,
    LinksChanged,
    LinksLoaded,
    LinksQueryRequested,
    ListingJumpFound,
    ListingJumpRequested,
    MappingLoaded,
    MappingLoadRequested,
    MappingRequested,
    ReferenceCodePreviewed,
    ReferenceCodePreviewRequested,
    ReferenceCodeWriteRequested,
    RunDetailLoaded,
    RunDetailRequested,
    RunsLoaded,
    RunsRequested,
    SellerEditSimulationRequested,
)
from services.errors import OperationFailed
from services.i18n import N_, _, _n
from tui.app_part import AppPart
from tui.sync_services import SyncServices
from words.reasons import say

if TYPE_CHECKING:
    from tui.workers import SellerSimulator


def _still_wanted() -> bool:
    """False when the thread worker running this was cancelled (a newer query replaced it)."""
    return not get_current_worker().is_cancelled


class LinkWorkers(AppPart):
    """Mixed into the App (through `SyncWorkers`). Screens subscribe to `links_signal`: links changed, reload."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._sync_services: SyncServices | None = None  # made on first use; dropped when settings change
        self.links_signal: Signal[str] = Signal(self, "links-changed")
        self.mapping_listing: str | None = None  # what the mapping screen shows when mounted or resumed

    @property
    def sync_services(self) -> SyncServices:
        if self._sync_services is None:
            self._sync_services = SyncServices(self.config, transport=getattr(self.gateway, "transport", None))
        return self._sync_services

    @sync_services.setter
    def sync_services(self, services: SyncServices) -> None:
        self._sync_services = services

    # -- links table ------------------------------------------------------------------------------------

    def on_links_query_requested(self, message: LinksQueryRequested) -> None:
        self._query_links(message.query, message.serial, message.reply_to)

    @work(
        thread=True,
        group="links-query",
        exclusive=True,
        exit_on_error=False,
        description=N_("Reading the linked products"),
    )
    def _query_links(self, query: LinkQuery, serial: int, reply_to) -> None:
        page = self.sync_services.query_links(query)
        if _still_wanted():
            reply_to.post_message(LinksLoaded(serial, query, page))
        # Then, still in this thread, the index and every sort the screen offers: the next keys answer from memory.
        from screens.links import COLUMNS

        self.sync_services.warm_links([column[0] for column in COLUMNS])

    @work(
        thread=True,
        group="links-warm",
        exclusive=True,
        exit_on_error=False,
        description=N_("Reading the linked products"),
    )
    def warm_links_index(self) -> None:
        """At start-up, off the UI thread: the links index and its sorts, so the linked products screen answers
        its first keys from memory (issue 14: building it takes ~0.5 s at 50,000 links, a key must take 50 ms)."""
        from screens.links import COLUMNS

        self.sync_services.warm_links([column[0] for column in COLUMNS])

    def on_listing_jump_requested(self, message: ListingJumpRequested) -> None:
        self._find_listing(message.query, message.text, message.reply_to)

    @work(
        thread=True, group="links-jump", exclusive=True, exit_on_error=False, description=N_("Looking for the listing")
    )
    def _find_listing(self, query: LinkQuery, text: str, reply_to) -> None:
        shown, position = self.sync_services.find_listing(query, text)
        reply_to.post_message(ListingJumpFound(text, shown, position))

    def on_ignore_requested(self, message: IgnoreRequested) -> None:
        self._ignore(message.keys, message.ignored)

    @work(
        thread=True,
        group="links-write",
        exclusive=False,
        exit_on_error=False,
        description=N_("Saving the ignored rows"),
    )
    def _ignore(self, keys: tuple[str, ...], ignored: bool) -> None:
        self.sync_services.set_ignored(keys, ignored)
        note = (
            _n("{count} row ignored.", "{count} rows ignored.", len(keys))
            if ignored
            else _n("{count} row no longer ignored.", "{count} rows no longer ignored.", len(keys))
        )
        self.post_message(LinksChanged(note))

    def on_accept_code_requested(self, message: AcceptCodeRequested) -> None:
        self._accept_code(message.keys)

    @work(
        thread=True,
        group="links-write",
        exclusive=False,
        exit_on_error=False,
        description=N_("Accepting the new reference code"),
    )
    def _accept_code(self, keys: tuple[str, ...]) -> None:
        self.sync_services.accept_new_code(keys)
        self.post_message(LinksChanged(_("New code accepted: the row is linked by it at the next sync.")))

    def on_reference_code_preview_requested(self, message: ReferenceCodePreviewRequested) -> None:
        self._preview_reference_code(message.link, message.code, message.reply_to)

    @work(
        group="reference-code",
        exclusive=True,
        exit_on_error=False,
        description=N_("Reading the listing's reference code"),
    )
    async def _preview_reference_code(self, link, code: str, reply_to) -> None:
        action = await self.sync_services.reference_code_change(link, code)
        reply_to.post_message(ReferenceCodePreviewed(link, action))

    def on_reference_code_write_requested(self, message: ReferenceCodeWriteRequested) -> None:
        self._write_reference_code(message.action)

    @work(
        group="reference-code",
        exclusive=True,
        exit_on_error=False,
        description=N_("Writing the reference code"),
    )
    async def _write_reference_code(self, action) -> None:
        result = await self.sync_services.write_reference_code(action)
        [done] = result.actions
        if done.status.value == "done":
            note = _(
                "Reference code {code} written to {row} (run {run_id}); the row is linked by it at the next sync.",
                code=done.to,
                row=done.link_key,
                run_id=result.run_id,
            )
        else:
            note = _("Reference code not written to {row}: {reason}", row=done.link_key, reason=say(done.reason))
        self.post_message(LinksChanged(note, error=done.status.value == "failed"))

    def on_seller_edit_simulation_requested(self, message: SellerEditSimulationRequested) -> None:
        if getattr(self.gateway, "can_simulate", False):  # only the demo's gateway can play the seller
            self._simulate_seller_edit(message.link)

    @work(
        thread=True, group="demo", exclusive=True, exit_on_error=False, description=N_("Simulating the seller's edit")
    )
    def _simulate_seller_edit(self, link) -> None:
        gateway = cast("SellerSimulator", self.gateway)  # only asked for when `can_simulate`
        old, new = gateway.simulate_seller_edit(link.listing_id, link.variation_id, link.reference_code)
        self.post_message(
            LinksChanged(
                _(
                    "Demo: the seller changed the reference code of {row} on Mercado Livre from {old} to {new}. "
                    "Run a sync (S) to see the row as a lost link, then fix it with r or c.",
                    row=link.key,
                    old=old or "—",
                    new=new,
                )
            )
        )

    def links_changed_elsewhere(self) -> None:
        """The stored links changed outside a sync (unlink, purge): forget the cached table, reload screens."""
        if self._sync_services is not None:
            self._sync_services.forget_links()
        self.links_signal.publish("")

    def on_links_changed(self, message: LinksChanged) -> None:
        if message.note:
            self.notify(
                escape(message.note),
                severity="error" if message.error else "information",
                timeout=10 if message.error else 6,
            )
        self.links_signal.publish(message.note)

    # -- variation mapping ------------------------------------------------------------------------------

    def on_mapping_requested(self, message: MappingRequested) -> None:
        # The mapping screen shows `mapping_listing` whenever it is mounted or resumed.
        self.mapping_listing = message.listing_id
        self.switch_mode("mapping")

    def on_mapping_load_requested(self, message: MappingLoadRequested) -> None:
        self._load_mapping(message.listing_id, message.reply_to)

    @work(
        thread=True,
        group="mapping",
        exclusive=True,
        exit_on_error=False,
        description=N_("Reading the variation mapping"),
    )
    def _load_mapping(self, listing_id: str, reply_to) -> None:
        mapping = self.sync_services.mapping(listing_id)
        if _still_wanted():
            reply_to.post_message(MappingLoaded(mapping))

    def on_conversion_requested(self, message: ConversionRequested) -> None:
        self._convert(message.listing_id, message.preview, message.reply_to)

    @work(
        thread=True,
        group="conversion",
        exclusive=True,
        exit_on_error=False,
        description=N_("Converting the ERP product to compositions"),
    )
    def _convert(self, listing_id: str, preview: bool, reply_to) -> None:
        conversion = self.sync_services.convert(listing_id, preview=preview)
        if preview:
            reply_to.post_message(ConversionPreviewed(listing_id, conversion))
            return
        reply_to.post_message(ConversionDone(listing_id, conversion))

    # -- export of the table on screen ------------------------------------------------------------------

    def export_table(self, name: str, header, make_rows) -> None:
        """Write `make_rows()` (called in a thread) as CSV to the working directory, else the home."""
        self._export(name, tuple(header), make_rows)

    @work(thread=True, group="export", exclusive=False, exit_on_error=False, description=N_("Exporting to CSV"))
    def _export(self, name: str, header, make_rows) -> None:
        from services.csv_export import export_path, write_csv

        rows = make_rows()
        for folder in (Path.cwd(), Path(self.config.home)):
            path = export_path(name, folder)
            try:
                count = write_csv(path, header, rows)
            except OSError:
                continue
            self.call_from_thread(
                self.notify,
                escape(_n("{count} row exported to {path}", "{count} rows exported to {path}", count, path=str(path))),
                timeout=10,
            )
            return
        raise OperationFailed(_("Could not write the CSV in the working directory nor in the home."))

    # -- journal ----------------------------------------------------------------------------------------

    def on_runs_requested(self, message: RunsRequested) -> None:
        self._load_runs(message.reply_to)

    @work(thread=True, group="runs", exclusive=True, exit_on_error=False, description=N_("Reading the sync logs"))
    def _load_runs(self, reply_to) -> None:
        runs = self.sync_services.runs()
        if _still_wanted():
            reply_to.post_message(RunsLoaded(runs))

    def on_run_detail_requested(self, message: RunDetailRequested) -> None:
        self._load_run(message.run_id, message.reply_to)

    @work(thread=True, group="run-detail", exclusive=True, exit_on_error=False, description=N_("Reading a sync run"))
    def _load_run(self, run_id: int, reply_to) -> None:
        run, actions, as_before = self.sync_services.run_detail(run_id)
        if _still_wanted():
            reply_to.post_message(RunDetailLoaded(run, actions, as_before))
