"""A `Reason` (services/reasons.py) in words, in the current language (`services.i18n`): one template per code,
counts through `_n` (singular and plural), moments through `local_time` (the language's date format, the
machine's time zone). `say()` is what the screens and the CLI call; `say_english()` is the text kept next to
the code and values in `--json` output (docs/architecture.md, "Reasons").

pt_BR is in the gettext catalogue (docs/internals.md, "Translations"; `Nn_` marks a singular and plural pair);
tests/test_reasons.py checks every code has words in both.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from string import Formatter
from typing import Any

from services.i18n import N_, _, _n, language, local_time, set_language
from services.reasons import Code, Reason, Value
from words.states import LINK_STATES


@dataclass(frozen=True)
class Words:
    """The English template of a code (`{name}` for each value). With `many`, `count` picks the form through
    `_n`; the names in `dates` are ISO moments shown with `local_time`."""

    one: str
    many: str | None = None
    dates: tuple[str, ...] = ()


def Nn_(one: str, many: str, /) -> tuple[str, str]:  # noqa: N802 (a marker, as N_)
    """Marks a singular and plural pair for translation (extracted like `_n`; keyword `Nn_:1,2` in pyproject)."""
    return one, many


def _w(text: str | tuple[str, str], *, dates: tuple[str, ...] = ()) -> Words:
    if isinstance(text, tuple):
        return Words(text[0], text[1], dates)
    return Words(text, None, dates)


TEMPLATES: dict[Code, Words] = {
    Code.AND_MORE: _w(Nn_("{shown} and {count} more", "{shown} and {count} more")),
    Code.WHERE: _w(N_("{where}: {why}")),
    # why a link is in its state
    Code.CODE_CHANGED: _w(N_("reference code changed from {old} to {new}")),
    Code.CODE_REMOVED: _w(N_("reference code {old} was removed from the listing")),
    Code.NO_REFERENCE: _w(N_("no reference code (SELLER_SKU) on Mercado Livre")),
    Code.UNKNOWN_CODE: _w(N_("{code} is not in the ERP")),
    Code.REPEATED_CODE: _w(
        Nn_(
            "reference code {code} is on {count} variation of this listing",
            "reference code {code} is on {count} variations of this listing",
        ),
    ),
    Code.ERP_HAS_VARIATIONS: _w(
        Nn_(
            "ERP product {product} has {count} variation; the listing has none",
            "ERP product {product} has {count} variations; the listing has none",
        ),
    ),
    Code.ERP_HAS_NO_VARIATIONS: _w(
        Nn_(
            "ERP product {product} has no variations; the listing has {count}",
            "ERP product {product} has no variations; the listing has {count}",
        ),
    ),
    Code.SIMPLE_ON_VARIATION: _w(N_("{code} is an ERP product without variations, used on a variation")),
    Code.FULL: _w(N_("Full (fulfillment): stock is kept by Mercado Livre and cannot be written")),
    Code.KIT: _w(
        N_(
            "a Mercado Livre kit: its stock is computed from its components' stock; melisync writes the components, "
            "never the kit"
        )
    ),
    Code.MIGRATING: _w(N_("being migrated to User Products: Mercado Livre refuses writes until the migration ends")),
    Code.LISTING_STATUS: _w(N_("listing is {status}")),
    Code.ML_REFUSED: _w(N_("Mercado Livre refused the stock write: {message}")),
    Code.IGNORED: _w(N_("ignored by the operator")),
    Code.MIGRATED: _w(N_("migrated to User Products (listing closed); {code} now on: {where}")),
    Code.MIGRATED_NOWHERE: _w(N_("migrated to User Products (listing closed); {code} is on no listing yet")),
    Code.MIGRATED_NO_CODE: _w(N_("migrated to User Products (listing closed)")),
    # a plan's notes
    Code.LISTINGS_UNREAD: _w(
        Nn_(
            "{count} listing could not be read and was left as it was: {ids}",
            "{count} listings could not be read and were left as they were: {ids}",
        ),
    ),
    Code.STOCK_NOT_WRITTEN: _w(N_("stock is not written: {problem}")),
    Code.FIRST_ORDERS: _w(
        N_(
            "first orders sync: the sales closed after each product's stock count are taken off the ERP (orders read "
            "since {since})"
        ),
        dates=("since",),
    ),
    Code.FIRST_CUSTOMERS: _w(
        N_("first customers sync: the buyers of the orders since {since} are recorded"), dates=("since",)
    ),
    Code.NOT_COVERED: _w(
        Nn_(
            "not covered: {count} product counted before {since} (orders_lookback_days {days}): {codes}; its sales "
            "before then are not taken off the ERP: import a fresh count of it (melisync erp import)",
            "not covered: {count} products counted before {since} (orders_lookback_days {days}): {codes}; their sales "
            "before then are not taken off the ERP: import a fresh count of them (melisync erp import)",
        ),
        dates=("since",),
    ),
    Code.LATE_SALES: _w(
        Nn_(
            "{count} sale or cancellation arrived after the plan was made (orders: {orders})",
            "{count} sales or cancellations arrived after the plan was made (orders: {orders})",
        ),
    ),
    Code.LATE_RECORDED: _w(N_("recorded in the ERP: {recorded}, stock targets recomputed: {changed}")),
    Code.SALES_AFTER_PLAN: _w(N_("sales recorded after the plan was made (orders: {orders})")),
    Code.HOLDS_AFTER_PLAN: _w(N_("orders not paid yet changed after the plan was made (orders: {orders})")),
    Code.HOLDS_CHANGED: _w(
        N_("the units held by orders not paid yet changed after the plan was made (orders: {orders})")
    ),
    Code.NOTHING_TO_WRITE_AGAIN: _w(N_("{why}, while the stock was being written: nothing to write again")),
    Code.NOT_CONFIRMED: _w(N_("not confirmed: nothing was written")),
    Code.SALES_WHILE_WRITING: _w(N_("sales recorded while writing (orders: {orders})")),
    Code.HOLDS_WHILE_WRITING: _w(N_("orders not paid yet changed while writing (orders: {orders})")),
    Code.CONFLICTS: _w(
        Nn_(
            "{count} write answered that the stock had moved (409)",
            "{count} writes answered that the stock had moved (409)",
        ),
    ),
    Code.REWRITTEN: _w(
        Nn_(
            "{why}: {count} stock target planned again and written",
            "{why}: {count} stock targets planned again and written",
        ),
    ),
    Code.MIGRATION: _w(
        N_("listing {old} was migrated to User Products; its codes are now linked by reference code: {moves}")
    ),
    Code.MOVED_TO: _w(N_("{code} -> {where}")),
    Code.MOVED_NOWHERE: _w(N_("{code} -> no listing yet")),
    Code.UP_STOCK_UNREAD: _w(
        Nn_(
            "the stock of {count} user product could not be read; its listings are not written this run: {ids}",
            "the stock of {count} user products could not be read; their listings are not written this run: {ids}",
        ),
    ),
    Code.HOLDS: _w(
        N_(
            "units held by orders confirmed but not paid yet are kept off the listings until paid (then recorded as "
            "sales) or cancelled (units: {units}, orders: {orders}); code: units (orders): {holds}"
        )
    ),
    Code.FILE_RESTORED: _w(
        N_(
            "{file} could not be read ({problem}): its last good copy {copy} (saved {when}) was used and is put back "
            "at the next write; what changed after it is read again from Mercado Livre ({lost})"
        ),
        dates=("when",),
    ),
    Code.LOST_LINKS_CHOICES: _w(N_("rows ignored or codes accepted after it must be done again")),
    Code.LOST_RUNS: _w(N_("runs journaled after it are not listed")),
    Code.COPY_NOT_KEPT: _w(N_("could not keep a copy of {file} ({error})")),
    Code.STOPPED_WHILE_READING: _w(N_("stopped while reading: {error}")),
    Code.CANCELLED_WHILE_PLANNING: _w(N_("cancelled while planning: nothing was written")),
    Code.NEVER_APPLIED: _w(N_("planned but never applied nor declined: nothing was written")),
    Code.WATCHING: _w(
        N_(
            "`melisync watch` is running for this home (process {pid}) and keeps the stock in step by itself; stop it "
            "before syncing by hand"
        )
    ),
    Code.WATCHER_RUNNING: _w(
        N_("a watcher is already running for this home (process {pid}); stop it first (one watcher per home)")
    ),
    # the multi-origin seller's warehouse
    Code.WAREHOUSE_UNKNOWN: _w(
        N_(
            "the configured warehouse {configured} is not one of the seller's warehouses ({choices}): run `melisync "
            "config set warehouse <store_id>`"
        )
    ),
    Code.NO_WAREHOUSES: _w(
        N_(
            "multi-origin seller, but Mercado Livre lists no warehouse (stock_location) for this account: nothing is "
            "written"
        )
    ),
    Code.WAREHOUSE_NOT_CHOSEN: _w(
        Nn_(
            "the seller has {count} warehouse and none is chosen: run `melisync config set warehouse <store_id>` "
            "(choices: {choices})",
            "the seller has {count} warehouses and none is chosen: run `melisync config set warehouse <store_id>` "
            "(choices: {choices})",
        ),
    ),
    Code.WAREHOUSES_UNREAD: _w(N_("multi-origin seller: the warehouses were not read, nothing is written")),
    # why an action is planned, skipped or failed
    Code.HOLD: _w(
        N_(
            "the ERP stock ({balance}) less the units held by orders not paid yet ({units}, orders: {orders}) is what "
            "can be sold"
        )
    ),
    Code.LINK_STATE: _w(N_("{state}: {why}")),
    Code.NO_STOCK_RECORD: _w(N_("no stock record in the ERP for {code}")),
    Code.ABOVE_MAX: _w(
        N_(
            "the ERP stock of {code} ({balance:,}) is above max_stock ({most:,}): fix the count, or `melisync config set "
            "max_stock N`"
        )
    ),
    Code.MULTI_ORIGIN: _w(N_("multi-origin seller (warehouse_management): {problem}")),
    Code.NO_USER_PRODUCT_ID: _w(
        N_(
            "multi-origin seller (warehouse_management): Mercado Livre gives no user_product_id for this listing, and "
            "PUT /items quantities are ignored for these sellers"
        )
    ),
    Code.UP_UNREAD: _w(N_("the stock of user product {up} could not be read: nothing is written")),
    Code.NEW_LOCATION: _w(
        N_("warehouse {store} has no stock location for user product {up} yet: this write creates it")
    ),
    Code.OTHERS_AND_FULL: _w(N_("other warehouses hold {others}, Full holds {full} (read, never written)")),
    Code.OTHERS: _w(N_("other warehouses hold {others} (read, never written)")),
    Code.FULL_HOLDS: _w(N_("Full holds {full} (read, never written)")),
    Code.SHARED_DIFFERENT: _w(
        N_("the listings of user product {up} share one stock but carry codes with different quantities ({codes})")
    ),
    Code.ALREADY_IN_ERP: _w(N_("already in the ERP")),
    Code.ALREADY_IN_LEDGER: _w(N_("already in the ledger (same order, listing and variation)")),
    Code.MOVEMENT_UNKNOWN_CODE: _w(N_("{code} is not in the ERP: the movement was not recorded")),
    Code.MOVEMENT_ON_PARENT: _w(
        N_("{code} has compositions: its stock is kept per composition; the movement was not recorded")
    ),
    Code.IN_COUNT: _w(N_("closed before the ERP stock was counted: already in the count")),
    Code.NO_COUNT: _w(N_("order {order}: no stock count in the ERP for {code}; the sale is not recorded")),
    Code.CANCELLED_BEFORE_COUNT: _w(
        N_(
            "order {order} was closed before the ERP stock of {code} was counted and was cancelled; whether before or "
            "after the count is unknown, so the ERP stock is not changed: count the units if they came back"
        )
    ),
    Code.KIT_ORDER: _w(
        N_("order {order}: a Mercado Livre kit; its units are recorded through the orders of its components")
    ),
    Code.FULL_ORDER: _w(
        N_("order {order}: a Full listing; its units left Mercado Livre's warehouse, so the ERP stock is not changed")
    ),
    Code.ORDER_NOT_LINKED: _w(
        N_("order {order}: listing is not linked ({state}); the sale is not recorded in the ERP")
    ),
    Code.ORDER_LISTING_UNREAD: _w(
        N_("order {order}: its listing is not among the listings read; the sale is not recorded in the ERP")
    ),
    Code.AFTER_PLAN: _w(N_("arrived after the plan was made")),
    Code.ALREADY_RIGHT: _w(
        N_("planned {before} -> {after}; {why}: Mercado Livre already shows the right quantity, nothing to write")
    ),
    Code.TARGET_CHANGED: _w(N_("target changed from the plan ({before} -> {after}): {why}")),
    Code.NOT_IN_PLAN: _w(N_("not in the plan (it was right then): {why}")),
    Code.NOT_APPLIED_CANCELLED: _w(N_("not applied: the run was cancelled")),
    Code.NOT_APPLIED_STOPPED: _w(N_("not applied: the run stopped")),
    Code.NOT_ATTEMPTED_CANCELLED: _w(N_("not attempted: the run was cancelled")),
    Code.NOT_ATTEMPTED: _w(N_("not attempted: {error}")),
    Code.UP_NOT_WRITTEN: _w(N_("not attempted: its user product was not written")),
    Code.NOT_IMPORTED: _w(N_("not imported: {why}")),
    Code.IMPORTED_FROM: _w(N_("{code} is imported from {listing}")),
    Code.NO_REFERENCE_CODE: _w(N_("no reference code")),
    Code.KIT_NOT_IMPORTED: _w(N_("a Mercado Livre kit: its units are its components' and are not imported")),
    Code.NO_PARENT_CODE: _w(
        N_("the listing has no reference code of its own, so its variations have no ERP product to go under")
    ),
    Code.VARIATION_NO_CODE: _w(N_("variation has no reference code")),
    Code.ALREADY_CARRIES: _w(N_("already carries this code")),
    # what writing to Mercado Livre found
    Code.STOCK_MOVED: _w(N_("the stock moved while writing ({message}): {next}")),
    Code.RE_PLANNED: _w(N_("planned again from fresh facts below")),
    Code.STILL_MOVING: _w(N_("it moved again: the next run settles it")),
    Code.REPLANNED_AFTER_WRITES: _w(N_("planned again from fresh facts after the writes: {why}")),
    Code.LOST_APPLIED: _w(N_("the answer to the write was lost; reading the listing back showed it was applied")),
    Code.LOST_RESENT: _w(
        N_("the answer to the write was lost; reading the listing back showed it was not applied, so it was sent again")
    ),
    Code.LOST_READ_BACK: _w(N_("the answer to the write was lost; the read-back decided")),
    Code.VARIATIONS_ARRAY: _w(N_("per-variation write refused ({status} {error}); written with the variations array")),
    Code.ARRAY_NOT_READ: _w(N_("could not read the listing to write its variations: {message}")),
    Code.NO_ARRAY: _w(N_("the live listing has no variations array that can be sent back whole")),
    Code.VARIATIONS_GONE: _w(
        Nn_("variation {ids} is no longer on the live listing", "variations {ids} are no longer on the live listing")
    ),
    Code.NOTHING_SENT: _w(N_("nothing sent: {problem}")),
    Code.UP_STOCK_NOT_READ: _w(N_("could not read the stock of user product {up}: {message}")),
    Code.WAREHOUSE_HOLDS: _w(N_("warehouse {store} of user product {up} already holds {quantity}")),
    Code.WAREHOUSE_NOT_KEPT: _w(
        N_(
            "read-back of user product {up} shows {seen} in warehouse {store}, expected {to}: Mercado Livre accepted "
            "the write but did not keep it"
        )
    ),
    Code.WAREHOUSE_WRITTEN: _w(N_("warehouse {store} of user product {up}: {before} -> {after}")),
    Code.NOT_READ_BACK: _w(N_("written, but could not be read back: {error}")),
    Code.NOT_RETURNED: _w(N_("written, but Mercado Livre did not return the listing on read-back")),
    Code.IDS_CHANGED: _w(N_("read-back: the listing's variation ids changed ({before} -> {after})")),
    Code.IDS_CHANGED_CODE: _w(N_("read-back: the listing's variation ids changed")),
    Code.READ_BACK_MISMATCH: _w(N_("read-back shows {seen}, expected {to}: Mercado Livre did not keep the write")),
    Code.CODE_READ_BACK: _w(N_("read-back shows reference code {seen}, expected {to}")),
    Code.ATTRIBUTES_CHANGED: _w(
        N_("read-back: the reference code was written but other attributes changed (gone: {gone}; changed: {changed})")
    ),
    Code.SHARED_THROUGH: _w(N_("shared stock of user product {up}: written through {leader}")),
    # `melisync doctor`
    Code.COPY_PUT_BACK: _w(N_("{copy} (saved {when}) was put back"), dates=("when",)),
    Code.DAMAGED_KEPT_AS: _w(N_("the damaged file is kept as {file}")),
    Code.NO_GOOD_COPY_SET_ASIDE: _w(
        N_("no good copy: the damaged file is kept as {aside}; an empty {file} starts with the next command")
    ),
    Code.NO_GOOD_COPY_ERP: _w(
        N_(
            "no good copy: restore erp.json from a backup (or import the catalogue again with `melisync erp import` and count the stock)"
        )
    ),
    Code.ORDERS_AS_USUAL: _w(N_("the next sync reads the orders since then as usual")),
    Code.ORDERS_READ_AGAIN: _w(
        N_(
            "the next sync reads the orders since {when} again (sales already in the ledger are skipped); stock counts and imports made after the copy must be done again"
        ),
        dates=("when",),
    ),
    Code.RUN_RESTORE: _w(N_("run `melisync doctor --restore`")),
    Code.NOT_JSON: _w(N_("it is not valid JSON ({error})")),
    Code.NOT_TOML: _w(N_("it is not valid TOML ({error})")),
    Code.CANNOT_READ_FILE: _w(N_("it cannot be read ({error})")),
    Code.NOT_AN_OBJECT: _w(N_("it holds a JSON {shape}, not an object")),
    Code.FIX_CONFIG: _w(N_("fix it, or remove it and set the settings again with `melisync config set`")),
    Code.FIX_OR_REMOVE: _w(N_("fix it or remove it")),
    Code.REMOVE_AND_CONNECT: _w(N_("remove it and run `melisync connect` again")),
    Code.LEDGER_ADVICE: _w(
        N_(
            "the ledger is the record of the sales booked: nothing writes to the ERP until it is whole. Restore {ledger} from a backup, or fix the lines named (each is one JSON stock movement); `melisync doctor --restore` puts back an older erp.json only when the ledger still holds all it counts"
        )
    ),
    Code.LEDGER_TAIL: _w(
        Nn_(
            "{count} byte past what erp.json counts, left by an interrupted write: the next write cuts it off",
            "{count} bytes past what erp.json counts, left by an interrupted write: the next write cuts them off",
        )
    ),
    Code.CODES_ADVICE: _w(
        N_(
            "it holds the ERP catalogue and its stock: restore it from a backup, or run `melisync doctor --restore` if erp.json has a good copy (what changed after it is lost)"
        )
    ),
    Code.INDEX_MISSING: _w(
        N_("its index {index} is missing: `melisync log` and `status` show none of the runs kept there")
    ),
    Code.INDEX_ADVICE: _w(
        N_(
            "restore {index} from a backup to see them again; the next sync starts a new index (the ERP and the links do not depend on it)"
        )
    ),
    Code.SKIP_BASE_UNREADABLE: _w(N_("{file} cannot be read ({why}): the next sync lists its skipped rows afresh")),
    Code.JOURNAL_LINES_ADVICE: _w(
        N_(
            "the lines that cannot be read are skipped (the runs or actions on them are not shown); `melisync doctor --restore` sets them aside in a .corrupt file"
        )
    ),
    Code.LINKS_NO_HEADER: _w(N_("its first line is not the header naming the fields: no link can be read")),
    Code.LINKS_HEADER_ADVICE: _w(
        N_(
            "`melisync doctor --restore` sets it aside; the next `melisync sync stock` writes the links again (a few more requests, no stock lost)"
        )
    ),
    Code.LINKS_ROWS_ADVICE: _w(
        N_(
            "those rows are missing from `melisync links`; `melisync doctor --restore` sets them aside, or the next `melisync sync stock` writes the links again (a few more requests, no stock lost)"
        )
    ),
    Code.DAMAGED_LINES: _w(Nn_("{count} damaged line ({lines})", "{count} damaged lines ({lines})")),
    Code.FILE_SET_ASIDE: _w(N_("{file} was set aside as {aside}")),
    Code.LINES_SET_ASIDE: _w(
        Nn_("{count} line of {file} set aside in {aside}", "{count} lines of {file} set aside in {aside}")
    ),
    Code.ERP_COPY_PUT_BACK: _w(
        N_("{copy} (saved {when}), whose files are whole, was put back as erp.json"), dates=("when",)
    ),
    Code.NEWER_KEPT_AS: _w(N_("the newer one is kept as {file}")),
    # `melisync unlink`
    Code.NOT_REVOKED_LOCAL_ONLY: _w(N_("not attempted (--local-only)")),
    Code.TOKENS_REFUSED: _w(
        N_("Mercado Livre no longer accepts the tokens ({error}); check Aplicações autorizadas on the site")
    ),
    # Mercado Livre's answers: ML's message is quoted as ML sent it
    Code.ML_ANSWERED: _w(N_("Mercado Livre answered {answer} ({where})")),
    Code.ML_ANSWERED_SAYING: _w(N_('Mercado Livre answered {answer} ({where}): "{message}"')),
    Code.ANSWER_LOST: _w(N_("the answer to {where} was lost ({cause}): Mercado Livre may have applied it")),
}


# The few reasons whose words name a command to run: inside the terminal app they name its key instead (no
# command-line hint in the app). `in_the_app(True)` is set by the App while it runs (tui/app.py).
IN_THE_APP: dict[Code, Words] = {
    Code.WAREHOUSE_NOT_CHOSEN: _w(
        Nn_(
            "the seller has {count} warehouse and none is chosen: choose it in the settings (s on the connection "
            "screen) (choices: {choices})",
            "the seller has {count} warehouses and none is chosen: choose one in the settings (s on the "
            "connection screen) (choices: {choices})",
        ),
    ),
}
_in_app = False


def in_the_app(running: bool) -> None:
    """The terminal app starts (True) or ends (False): reasons say its keys instead of commands."""
    global _in_app
    _in_app = running


def say(reason: Reason | None) -> str:
    """The reason in the current language ("" for none)."""
    if reason is None:
        return ""
    if reason.code == Code.TEXT:
        return str(reason.values.get("text", ""))  # Mercado Livre's words, an error's, or an older version's
    if reason.code == Code.SEVERAL:
        return "; ".join(say(part) for part in reason.parts)
    words = (_in_app and IN_THE_APP.get(reason.code)) or TEMPLATES.get(reason.code)
    if words is None:
        return reason.code.value
    values = {name: _shown(name, value, words) for name, value in reason.values.items()}
    if reason.code == Code.LINK_STATE and isinstance(reason.values.get("state"), str):
        state = str(reason.values["state"])
        values["state"] = _(LINK_STATES[state]) if state in LINK_STATES else state  # a state's words, not its id
    if not _needs(words) <= values.keys():
        return _unsaid(reason, values)  # a value missing (a hand-edited file): what there is, never a crash
    try:
        if words.many is not None:
            count = values.pop("count", 0)
            return _n(words.one, words.many, count if isinstance(count, int) else 0, **values)
        return _(words.one, **values)
    except (KeyError, IndexError, ValueError):
        return _unsaid(reason, values)  # a value of the wrong type (a hand-edited file)


def _unsaid(reason: Reason, values: dict[str, Any]) -> str:
    return f"[{reason.code.value}] " + ", ".join(f"{k}={v}" for k, v in values.items())


@cache
def _needs(words: Words) -> frozenset[str]:
    """The values a template asks for."""
    return frozenset(
        name for text in (words.one, words.many or "") for _lit, name, _spec, _conv in Formatter().parse(text) if name
    )


def _shown(name: str, value: Value, words: Words) -> Any:
    if isinstance(value, Reason):
        return say(value)
    if isinstance(value, tuple):
        return "; ".join(say(part) for part in value)
    if name in words.dates:
        return local_time(str(value))  # dates travel as ISO text (services/reasons.py)
    return value


@contextmanager
def english() -> Iterator[None]:
    """English for a while (the text kept next to the codes in `--json`, whatever the operator's language)."""
    before = language()
    set_language("en")
    try:
        yield
    finally:
        set_language(before)


def say_english(reason: Reason | None) -> str:
    with english():
        return say(reason)


def printable(reason: Reason | None) -> dict[str, Any]:
    """The `--json` form of a reason: the English text (as before codes existed) with the code and values."""
    if reason is None:
        return {"reason": "", "reason_code": None, "reason_values": {}}
    stored = reason.to_json()
    return {"reason": say_english(reason), "reason_code": stored["code"], "reason_values": stored["values"]}


def say_stored(stored: object) -> str:
    """A reason as a file or a journaled row keeps it (code and values, or an older version's text), in words."""
    return say(Reason.from_json(stored))


# -- `--json`: a stable machine form (docs/architecture.md, "Reasons") --------------------------------------------


def printable_row(row: dict[str, Any]) -> dict[str, Any]:
    """An action or a link as printed: `reason` in English words (as before codes existed), with
    `reason_code` and `reason_values` next to it (null and {} when there is no reason)."""
    return {**row, **printable(Reason.from_json(row.get("reason")))}


def printable_error(error: dict[str, Any]) -> dict[str, Any]:
    """A run's error as printed: `message` in English words, with `reason_code` and `reason_values`."""
    reason = Reason.from_json(error.get("reason")) or Reason.from_json(error.get("message"))
    shown = printable(reason)
    out = {k: v for k, v in error.items() if k != "reason"}
    out.update(message=shown["reason"], reason_code=shown["reason_code"], reason_values=shown["reason_values"])
    return out


def printable_run(doc: dict[str, Any]) -> dict[str, Any]:
    """A run (or a `sync --json` document) as printed: its actions and errors as above, `notes` in English
    words and `note_codes` (one {"code", "values"} per note, in the same order)."""
    out = dict(doc)
    if isinstance(doc.get("actions"), list):
        out["actions"] = [printable_row(a) for a in doc["actions"]]
    if isinstance(doc.get("errors"), list):
        out["errors"] = [printable_error(e) for e in doc["errors"]]
    if isinstance(doc.get("notes"), list):
        notes = [Reason.from_json(n) for n in doc["notes"]]
        out["notes"] = [say_english(n) for n in notes]
        out["note_codes"] = [n.to_json() if n else None for n in notes]
    return out
