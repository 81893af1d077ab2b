"""Messages of the linking and sync screens (links, variation mapping, sync, logs) and the App's workers.

Screens post intents (…Requested); the App starts a named worker (`tui.sync_workers`) that calls the
services and posts the result (…Loaded, …Planned, …Progress, …Finished). A result meant for one screen
goes to the `reply_to` the intent carried; results everybody cares about (the links changed, a sync
moved on) are published on the App's signals instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from textual.message import Message
from textual.message_pump import MessagePump

if TYPE_CHECKING:
    from services.erp.catalog import Conversion
    from services.linking import Link
    from services.mapping import MappingView
    from services.store.links import LinkPage
    from services.store.run import Run
    from services.sync.engine import Prepared, SyncResult
    from services.sync.plan import Action


@dataclass(frozen=True)
class LinkQuery:
    """What the linked-products table asks the store for: a filter, a search, a sort and a page."""

    state: str | None = None  # a LinkState value, None for every state
    search: str = ""
    sort: str = "listing_id"
    descending: bool = False
    offset: int = 0
    limit: int = 100


# Intents, posted by screens ------------------------------------------------------------------------


@dataclass
class LinksQueryRequested(Message):
    """Fetch one page of links; the answer (`LinksLoaded`) goes to `reply_to`. `serial` orders answers."""

    query: LinkQuery
    serial: int
    reply_to: MessagePump


@dataclass
class ListingJumpRequested(Message):
    """Find the listing `text` names (its id or part of it) under `query`, or failing that among every link;
    the answer (`ListingJumpFound`) goes to `reply_to`."""

    query: LinkQuery
    text: str
    reply_to: MessagePump


@dataclass
class ListingJumpFound(Message):
    """`position` of the listing in `query`'s order (None: no such listing)."""

    text: str
    query: LinkQuery
    position: int | None


@dataclass
class IgnoreRequested(Message):
    """Ignore (or stop ignoring) these rows (`Link.key`s)."""

    keys: tuple[str, ...]
    ignored: bool


@dataclass
class AcceptCodeRequested(Message):
    """S6: the operator accepts the new reference code of these `link_lost` rows (linked at the next sync)."""

    keys: tuple[str, ...]


@dataclass
class ReferenceCodePreviewRequested(Message):
    """Read the live listing and say what writing `code` to `link`'s listing or variation would change;
    the answer (`ReferenceCodePreviewed`) goes to `reply_to`."""

    link: Link
    code: str
    reply_to: MessagePump


@dataclass
class ReferenceCodeWriteRequested(Message):
    """Write the previewed change (`services.sync.plan.Action` of kind reference_code), journaled."""

    action: Action


@dataclass
class SellerEditSimulationRequested(Message):
    """Demo only: play the seller changing `link`'s reference code on Mercado Livre (the in-process
    sandbox), so the next sync shows the row as a lost link."""

    link: Link


@dataclass
class MappingRequested(Message):
    """Show the variation mapping of `listing_id` (switches to the mapping screen)."""

    listing_id: str


@dataclass
class MappingLoadRequested(Message):
    """Read the mapping of `listing_id`; the answer (`MappingLoaded`) goes to `reply_to`."""

    listing_id: str
    reply_to: MessagePump


@dataclass
class ConversionRequested(Message):
    """S8: convert the listing's ERP product to compositions; `preview` only counts what would be zeroed."""

    listing_id: str
    preview: bool
    reply_to: MessagePump


@dataclass
class SyncRequested(Message):
    """Compute the plan of a sync of `kind` (products, stock, customers, all); nothing is written yet."""

    kind: str


class SyncApplyRequested(Message):
    """Apply the plan on show."""


class SyncDeclineRequested(Message):
    """Drop the plan on show: nothing is written, the run is journaled as cancelled."""


class SyncCancelRequested(Message):
    """Stop the sync being applied after the writes in flight; the run is journaled as cancelled."""


@dataclass
class RunsRequested(Message):
    """Read the journal's runs; the answer (`RunsLoaded`) goes to `reply_to`."""

    reply_to: MessagePump


@dataclass
class RunDetailRequested(Message):
    """Read one run with its actions and errors; the answer (`RunDetailLoaded`) goes to `reply_to`."""

    run_id: int
    reply_to: MessagePump


# Results, posted by workers ------------------------------------------------------------------------


@dataclass
class LinksLoaded(Message):
    """One page of links (`services.store.links.LinkPage`) for the query numbered `serial`."""

    serial: int
    query: LinkQuery
    page: LinkPage


@dataclass
class LinksChanged(Message):
    """Links were changed (ignored, accepted, written, synced): tables reload. `note` is for the operator
    (`error`: it says something went wrong)."""

    note: str = ""
    error: bool = False


@dataclass
class ReferenceCodePreviewed(Message):
    """What the write would change, read from the live listing (`Action`: from_ -> to)."""

    link: Link
    action: Action


@dataclass
class MappingLoaded(Message):
    """The mapping of one listing (`services.mapping.MappingView`)."""

    mapping: MappingView


@dataclass
class ConversionPreviewed(Message):
    """S8 preview: what converting would do (`services.erp.catalog.Conversion`)."""

    listing_id: str
    conversion: Conversion


@dataclass
class ConversionDone(Message):
    """S8 done: the product now has compositions and its movements were zeroed."""

    listing_id: str
    conversion: Conversion


@dataclass
class SyncPlanned(Message):
    """The plan is ready to show (`services.sync.engine.Prepared`); nothing was written."""

    prepared: Prepared


@dataclass
class SyncProgress(Message):
    """How far the sync got: `phase` reading/applying, `done` of `total`, counts so far."""

    phase: str
    done: int
    total: int
    counts: dict = field(default_factory=dict)
    message: str = ""


@dataclass
class SyncFinished(Message):
    """The run ended (`services.sync.engine.SyncResult`): finished, failed or cancelled."""

    result: SyncResult | None


@dataclass
class RunsLoaded(Message):
    runs: list[Run]


@dataclass
class RunDetailLoaded(Message):
    run: Run
    actions: list
    as_before: list = field(default_factory=list)  # rows skipped as the runs before did (counted, not listed)
