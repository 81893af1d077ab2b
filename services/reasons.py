"""Why things are as they are, as facts: a stable code plus the values it needs (`Reason(Code.UNKNOWN_CODE,
code="TAP-01")`), never a sentence. The words are chosen at the edge (words/reasons.py), in the operator's
language; `sync --json` and the files carry the code and values (docs/architecture.md, "Reasons").

A reason's values are texts, numbers, other reasons (`Code.STOCK_NOT_WRITTEN` wraps the warehouse problem) or
a tuple of reasons (`Reason.join`: several reasons of one row). Texts written by older versions (links.jsonl,
the journal) come back as `Code.TEXT`: shown as they were.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Union

Value = Union[str, int, "Reason", tuple["Reason", ...]]


class Code(StrEnum):
    """Every reason the services give. Each has a template in words/reasons.py (a test checks it)."""

    TEXT = "text"  # a text as it came: Mercado Livre's message, an error's, or one stored by an older version
    SEVERAL = "several"  # `parts`: several reasons of one row, shown one after another
    AND_MORE = "and_more"  # a list cut at ten: `shown` and `count` more
    WHERE = "where"  # `why` about one row (`where`: a listing id and variation id)
    # why a link is in its state (services/linking.py, services/sync/planning.py)
    CODE_CHANGED = "code_changed"
    CODE_REMOVED = "code_removed"
    NO_REFERENCE = "no_reference"
    UNKNOWN_CODE = "unknown_code"
    REPEATED_CODE = "repeated_code"
    ERP_HAS_VARIATIONS = "erp_has_variations"
    ERP_HAS_NO_VARIATIONS = "erp_has_no_variations"
    SIMPLE_ON_VARIATION = "simple_on_variation"
    FULL = "full"
    KIT = "kit"
    MIGRATING = "migrating"
    LISTING_STATUS = "listing_status"
    ML_REFUSED = "ml_refused"
    IGNORED = "ignored"
    MIGRATED = "migrated"
    MIGRATED_NOWHERE = "migrated_nowhere"
    MIGRATED_NO_CODE = "migrated_no_code"
    # a plan's notes (services/sync/engine.py, planning.py, holds.py, services/store/storage.py)
    LISTINGS_UNREAD = "listings_unread"
    STOCK_NOT_WRITTEN = "stock_not_written"
    FIRST_ORDERS = "first_orders"
    FIRST_CUSTOMERS = "first_customers"
    NOT_COVERED = "not_covered"
    LATE_SALES = "late_sales"
    LATE_RECORDED = "late_recorded"
    SALES_AFTER_PLAN = "sales_after_plan"
    HOLDS_AFTER_PLAN = "holds_after_plan"
    HOLDS_CHANGED = "holds_changed"
    NOTHING_TO_WRITE_AGAIN = "nothing_to_write_again"
    NOT_CONFIRMED = "not_confirmed"
    SALES_WHILE_WRITING = "sales_while_writing"
    HOLDS_WHILE_WRITING = "holds_while_writing"
    CONFLICTS = "conflicts"
    REWRITTEN = "rewritten"
    MIGRATION = "migration"
    MOVED_TO = "moved_to"
    MOVED_NOWHERE = "moved_nowhere"
    UP_STOCK_UNREAD = "up_stock_unread"
    HOLDS = "holds"
    FILE_RESTORED = "file_restored"
    LOST_LINKS_CHOICES = "lost_links_choices"
    LOST_RUNS = "lost_runs"
    COPY_NOT_KEPT = "copy_not_kept"
    STOPPED_WHILE_READING = "stopped_while_reading"
    CANCELLED_WHILE_PLANNING = "cancelled_while_planning"
    NEVER_APPLIED = "never_applied"
    # refusals (services/watch_state.py)
    WATCHING = "watching"
    WATCHER_RUNNING = "watcher_running"
    # the multi-origin seller's warehouse (services/sync/stock.py)
    WAREHOUSE_UNKNOWN = "warehouse_unknown"
    NO_WAREHOUSES = "no_warehouses"
    WAREHOUSE_NOT_CHOSEN = "warehouse_not_chosen"
    WAREHOUSES_UNREAD = "warehouses_unread"
    # why an action is planned, skipped or failed (services/sync/*.py)
    HOLD = "hold"
    LINK_STATE = "link_state"
    NO_STOCK_RECORD = "no_stock_record"
    ABOVE_MAX = "above_max"
    MULTI_ORIGIN = "multi_origin"
    NO_USER_PRODUCT_ID = "no_user_product_id"
    UP_UNREAD = "up_unread"
    NEW_LOCATION = "new_location"
    OTHERS_AND_FULL = "others_and_full"
    OTHERS = "others"
    FULL_HOLDS = "full_holds"
    SHARED_DIFFERENT = "shared_different"
    ALREADY_IN_ERP = "already_in_erp"
    ALREADY_IN_LEDGER = "already_in_ledger"
    MOVEMENT_UNKNOWN_CODE = "movement_unknown_code"
    MOVEMENT_ON_PARENT = "movement_on_parent"
    IN_COUNT = "in_count"
    NO_COUNT = "no_count"
    CANCELLED_BEFORE_COUNT = "cancelled_before_count"
    KIT_ORDER = "kit_order"
    FULL_ORDER = "full_order"
    ORDER_NOT_LINKED = "order_not_linked"
    ORDER_LISTING_UNREAD = "order_listing_unread"
    AFTER_PLAN = "after_plan"
    ALREADY_RIGHT = "already_right"
    TARGET_CHANGED = "target_changed"
    NOT_IN_PLAN = "not_in_plan"
    NOT_APPLIED_CANCELLED = "not_applied_cancelled"
    NOT_APPLIED_STOPPED = "not_applied_stopped"
    NOT_ATTEMPTED_CANCELLED = "not_attempted_cancelled"
    NOT_ATTEMPTED = "not_attempted"
    UP_NOT_WRITTEN = "up_not_written"
    NOT_IMPORTED = "not_imported"
    IMPORTED_FROM = "imported_from"
    NO_REFERENCE_CODE = "no_reference_code"
    KIT_NOT_IMPORTED = "kit_not_imported"
    NO_PARENT_CODE = "no_parent_code"
    VARIATION_NO_CODE = "variation_no_code"
    ALREADY_CARRIES = "already_carries"
    # what writing to Mercado Livre found (services/sync/apply.py, reference_code.py)
    STOCK_MOVED = "stock_moved"
    RE_PLANNED = "re_planned"
    STILL_MOVING = "still_moving"
    REPLANNED_AFTER_WRITES = "replanned_after_writes"
    LOST_APPLIED = "lost_applied"
    LOST_RESENT = "lost_resent"
    LOST_READ_BACK = "lost_read_back"
    VARIATIONS_ARRAY = "variations_array"
    ARRAY_NOT_READ = "array_not_read"
    NO_ARRAY = "no_array"
    VARIATIONS_GONE = "variations_gone"
    NOTHING_SENT = "nothing_sent"
    UP_STOCK_NOT_READ = "up_stock_not_read"
    WAREHOUSE_HOLDS = "warehouse_holds"
    WAREHOUSE_NOT_KEPT = "warehouse_not_kept"
    WAREHOUSE_WRITTEN = "warehouse_written"
    NOT_READ_BACK = "not_read_back"
    NOT_RETURNED = "not_returned"
    IDS_CHANGED = "ids_changed"
    IDS_CHANGED_CODE = "ids_changed_code"
    READ_BACK_MISMATCH = "read_back_mismatch"
    CODE_READ_BACK = "code_read_back"
    ATTRIBUTES_CHANGED = "attributes_changed"
    SHARED_THROUGH = "shared_through"
    # `melisync doctor` (services/doctor.py): what is wrong with a file of the home, what was done, what to do
    COPY_PUT_BACK = "copy_put_back"
    DAMAGED_KEPT_AS = "damaged_kept_as"
    NO_GOOD_COPY_SET_ASIDE = "no_good_copy_set_aside"
    NO_GOOD_COPY_ERP = "no_good_copy_erp"
    ORDERS_AS_USUAL = "orders_as_usual"
    ORDERS_READ_AGAIN = "orders_read_again"
    RUN_RESTORE = "run_restore"
    NOT_JSON = "not_json"
    NOT_TOML = "not_toml"
    CANNOT_READ_FILE = "cannot_read_file"
    NOT_AN_OBJECT = "not_an_object"
    FIX_CONFIG = "fix_config"
    FIX_OR_REMOVE = "fix_or_remove"
    REMOVE_AND_CONNECT = "remove_and_connect"
    LEDGER_ADVICE = "ledger_advice"
    LEDGER_TAIL = "ledger_tail"
    CODES_ADVICE = "codes_advice"
    INDEX_MISSING = "index_missing"
    INDEX_ADVICE = "index_advice"
    SKIP_BASE_UNREADABLE = "skip_base_unreadable"
    JOURNAL_LINES_ADVICE = "journal_lines_advice"
    LINKS_NO_HEADER = "links_no_header"
    LINKS_HEADER_ADVICE = "links_header_advice"
    LINKS_ROWS_ADVICE = "links_rows_advice"
    DAMAGED_LINES = "damaged_lines"
    FILE_SET_ASIDE = "file_set_aside"
    LINES_SET_ASIDE = "lines_set_aside"
    ERP_COPY_PUT_BACK = "erp_copy_put_back"
    NEWER_KEPT_AS = "newer_kept_as"
    # `melisync unlink` (services/unlink.py): why the authorization was not revoked
    NOT_REVOKED_LOCAL_ONLY = "not_revoked_local_only"
    TOKENS_REFUSED = "tokens_refused"
    # Mercado Livre's answers (services/meli/errors.py): our words around ML's own message
    ML_ANSWERED = "ml_answered"
    ML_ANSWERED_SAYING = "ml_answered_saying"
    ANSWER_LOST = "answer_lost"


class Reason:
    """A code and its values; immutable, compared and hashed by both."""

    __slots__ = ("code", "values")

    code: Code
    values: Mapping[str, Value]

    def __init__(self, code: Code, /, **values: Value) -> None:
        object.__setattr__(self, "code", code)
        object.__setattr__(self, "values", values)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("a Reason is immutable")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Reason) and (self.code, self.values) == (other.code, other.values)

    def __hash__(self) -> int:
        return hash((self.code, tuple(sorted(self.values.items()))))

    def __repr__(self) -> str:
        values = "".join(f", {name}={value!r}" for name, value in self.values.items())
        return f"Reason({self.code.value}{values})"

    @property
    def parts(self) -> tuple[Reason, ...]:
        """The reasons this one is made of (itself, unless it joins several)."""
        if self.code == Code.SEVERAL:
            parts = self.values.get("parts", ())
            return parts if isinstance(parts, tuple) else ()
        return (self,)

    @staticmethod
    def join(*reasons: Reason | None) -> Reason | None:
        """Several reasons of one row as one (None when there is none); joined ones are flattened."""
        parts = tuple(part for reason in reasons if reason is not None for part in reason.parts)
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else Reason(Code.SEVERAL, parts=parts)

    @staticmethod
    def text(text: str) -> Reason:
        """A text shown as it is (Mercado Livre's message, an error's own words)."""
        return Reason(Code.TEXT, text=text)

    def has(self, code: Code) -> bool:
        """Whether this reason, or one it joins, is `code`."""
        return any(part.code == code for part in self.parts)

    # -- the stored and printed form (links.jsonl, the journal, `sync --json`) ------------------------------

    def to_json(self) -> dict[str, Any]:
        """{"code": ..., "values": {...}}: nested reasons as the same form, joined ones as a list of them."""
        return {"code": self.code.value, "values": {name: _value_to_json(v) for name, v in self.values.items()}}

    @staticmethod
    def from_json(stored: object) -> Reason | None:
        """The stored form back; a plain text (written by an older melisync) as `Code.TEXT`, or as the reason
        it stood for when it was one of the fixed texts some decisions look at (a kit, Full, a refused write).
        Never raises: what cannot be read is shown as it is."""
        if stored is None or stored == "":
            return None
        if isinstance(stored, str):
            return _legacy(stored)
        if isinstance(stored, dict) and isinstance(stored.get("code"), str):
            try:
                code = Code(stored["code"])
            except ValueError:
                return Reason.text(str(stored["code"]))  # a code from a newer melisync: its id at least
            raw = stored.get("values")
            values = raw if isinstance(raw, dict) else {}
            return Reason(code, **{str(name): _value_from_json(v) for name, v in values.items()})
        return Reason.text(str(stored))


def cut_list(items: list[str], most: int = 10) -> Value:
    """Up to `most` items, comma-separated; a longer list ends in "and N more" (words at the edge)."""
    shown = ", ".join(items[:most])
    return Reason(Code.AND_MORE, shown=shown, count=len(items) - most) if len(items) > most else shown


def _value_to_json(value: Value) -> object:
    if isinstance(value, Reason):
        return value.to_json()
    if isinstance(value, tuple):
        return [part.to_json() for part in value]
    return value


def _value_from_json(value: object) -> Value:
    if isinstance(value, dict):
        return Reason.from_json(value) or ""
    if isinstance(value, list):
        return tuple(r for r in (Reason.from_json(part) for part in value) if r is not None)
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return str(value)
    return value


# Fixed texts of older versions that decisions still look at (a kit's or a Full listing's orders are not booked,
# a refused write is not retried): read back as their reasons. Any other old text is shown as it is.
_LEGACY_FIXED = {
    "a Mercado Livre kit: its stock is computed from its components' stock; melisync writes the components, "
    "never the kit": Code.KIT,
    "Full (fulfillment): stock is kept by Mercado Livre and cannot be written": Code.FULL,
    "ignored by the operator": Code.IGNORED,
}
_LEGACY_REFUSED = "Mercado Livre refused the stock write: "


def _legacy(text: str) -> Reason:
    text = _without_rule_ids(text)
    fixed = _LEGACY_FIXED.get(text)
    if fixed is not None:
        return Reason(fixed)
    if text.startswith(_LEGACY_REFUSED):
        return Reason(Code.ML_REFUSED, message=text[len(_LEGACY_REFUSED) :])
    return Reason.text(text)


def _without_rule_ids(text: str) -> str:
    """Texts stored by older versions end in rule ids (" (S8)"): internal ids, not words for the operator."""
    return _RULE_ID.sub("", text) if "(S" in text else text


_RULE_ID = re.compile(r" ?\(S\d\)")
