"""The plan model: a Plan is the list of Actions a sync would take, each with its why (`reason`).

Actions are values: planning makes them `planned` (or `skipped` with the reason), applying returns
copies marked `done` or `failed`. The same shape is journaled and printed by `sync --json`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, TypeVar

from services.reasons import Reason


class SyncKind(StrEnum):
    """What the operator asked to synchronize (docs/architecture.md §5)."""

    PRODUCTS = "products"  # S5: listings with unknown codes become ERP products
    CUSTOMERS = "customers"  # the orders step: sales as stock movements, buyers as customers
    STOCK = "stock"  # S4: the orders step, then ERP stock to Mercado Livre
    ALL = "all"  # products, then the orders step, then stock
    WATCH = "watch"  # a `melisync watch` tick: new orders, then only the targets whose ERP balance moved


# What `sync` offers (a watch tick is run by `melisync watch`, never asked for by hand).
MANUAL_KINDS = (SyncKind.PRODUCTS, SyncKind.CUSTOMERS, SyncKind.STOCK, SyncKind.ALL)


class ActionKind(StrEnum):
    IMPORT_PRODUCT = "import_product"  # create an ERP product (with its stock as an import movement)
    IMPORT_COMPOSITION = "import_composition"  # create an ERP composition under an imported product
    SALE = "sale"  # a paid order item -> a negative stock movement
    SALE_COUNTED = "sale_counted"  # a paid order closed before its code's stock count -> ledger record of 0
    SALE_CANCEL = "sale_cancel"  # an order cancelled after its sale was recorded -> compensation
    CUSTOMER = "customer"  # create or update an ERP customer from the order's billing info
    STOCK = "stock"  # write available_quantity of a listing or variation on Mercado Livre
    REFERENCE_CODE = "reference_code"  # write the SELLER_SKU of a listing or variation (the operator's fix)


# Which actions write to Mercado Livre (everything else writes to the local ERP).
ML_WRITES = frozenset({ActionKind.STOCK, ActionKind.REFERENCE_CODE})


class ActionStatus(StrEnum):
    PLANNED = "planned"  # will be applied
    SKIPPED = "skipped"  # reported, not applied (reason says why)
    DONE = "done"
    FAILED = "failed"  # reason holds Mercado Livre's message or the mismatch found on read-back


@dataclass(frozen=True, slots=True)  # slots: a plan at 50k listings holds one per row it reports
class Action:
    """One thing a sync does (or reports it won't do). `from_`/`to` read as in the seller's table:
    Mercado Livre quantity -> target for `stock`, ERP balance before -> after for movements."""

    kind: ActionKind
    item_id: str | None
    variation_id: int | None = None
    erp_code: str | None = None
    from_: Any = None
    to: Any = None
    status: ActionStatus = ActionStatus.PLANNED
    reason: Reason | None = None
    key: str | None = None  # idempotency key of the ERP movement, when it makes one
    data: dict[str, Any] = field(default_factory=dict, compare=False)  # what applying needs

    @property
    def link_key(self) -> str | None:
        if self.item_id is None:
            return None
        return f"{self.item_id}:{self.variation_id}" if self.variation_id is not None else self.item_id

    @property
    def listing_id(self) -> str:
        """`item_id` of an action that writes to Mercado Livre (stock, reference code): always set for those."""
        if self.item_id is None:
            raise ValueError(f"a {self.kind.value} action without a listing")
        return self.item_id

    @property
    def code(self) -> str:
        """`erp_code` of an action that has one by its kind (imports, sales, ERP stock movements)."""
        if self.erp_code is None:
            raise ValueError(f"a {self.kind.value} action without an ERP code")
        return self.erp_code

    def done(self, **changes: Any) -> Action:
        return replace(self, status=ActionStatus.DONE, **changes)

    def failed(self, reason: Reason, **changes: Any) -> Action:
        return replace(self, status=ActionStatus.FAILED, reason=reason, **changes)

    def skipped(self, reason: Reason) -> Action:
        return replace(self, status=ActionStatus.SKIPPED, reason=reason)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "item_id": self.item_id,
            "variation_id": self.variation_id,
            "erp_code": self.erp_code,
            "from": self.from_,
            "to": self.to,
            "status": self.status.value,
            "reason": self.reason.to_json() if self.reason else None,
            "key": self.key,
        }

    @classmethod
    def from_dict(cls, row: dict[str, Any]) -> Action:
        return cls(
            kind=ActionKind(row["kind"]),
            item_id=row.get("item_id"),
            variation_id=row.get("variation_id"),
            erp_code=row.get("erp_code"),
            from_=row.get("from"),
            to=row.get("to"),
            status=ActionStatus(row["status"]),
            reason=Reason.from_json(row.get("reason")),
            key=row.get("key"),
        )


@dataclass
class Plan:
    """What a sync of `kind` would do. `notes` tell the operator what the actions do not (first run, problems)."""

    kind: SyncKind
    actions: list[Action] = field(default_factory=list)
    notes: list[Reason] = field(default_factory=list)
    unchanged: int = 0  # linked targets already equal on Mercado Livre (nothing to write)
    link_counts: dict[str, int] = field(default_factory=dict)

    @property
    def to_apply(self) -> list[Action]:
        return [a for a in self.actions if a.status == ActionStatus.PLANNED]

    @property
    def ml_writes(self) -> list[Action]:
        return [a for a in self.to_apply if a.kind in ML_WRITES]

    def counts(self) -> dict[str, Any]:
        return count_actions(self.actions, unchanged=self.unchanged)


def count_actions(actions: list[Action], unchanged: int = 0) -> dict[str, Any]:
    """Counts by status and by kind (kind -> status -> n), as journaled and printed."""
    by_status = Counter(a.status.value for a in actions)
    by_kind: dict[str, Counter[str]] = {}
    for action in actions:
        by_kind.setdefault(action.kind.value, Counter())[action.status.value] += 1
    counts: dict[str, Any] = {status.value: by_status.get(status.value, 0) for status in ActionStatus}
    counts["unchanged"] = unchanged
    counts["by_kind"] = {kind: dict(c) for kind, c in sorted(by_kind.items())}
    return counts


def balances_after(balances: Mapping[str, int], actions: list[Action]) -> Mapping[str, int]:
    """ERP balances once the planned stock movements among `actions` are applied (for planning stock): the codes
    they move laid over `balances`, which is not copied (a sync's few sales against 150k codes at 50k listings)."""
    moved: dict[str, int] = {}
    for action in actions:
        quantity = action.data.get("quantity")
        if action.status == ActionStatus.PLANNED and quantity is not None and action.erp_code:
            code = action.erp_code
            moved[code] = moved.get(code, balances.get(code, 0)) + int(quantity)
    return Overlay(moved, balances) if moved else balances


_K = TypeVar("_K")
_V = TypeVar("_V")
_MISSING: Any = object()


class Overlay(Mapping[_K, _V]):
    """`top` laid over `base` (read-only, neither copied): what a plan changes in the ERP's tables without a copy of
    them per step (issue 16: at 50k listings each copy of the balances or the catalogue is 5-10 MB). Lookups stay
    near a dict's (collections.ChainMap's are several times slower, and linking looks codes up for every row)."""

    __slots__ = ("_base", "_top")

    def __init__(self, top: Mapping[_K, _V], base: Mapping[_K, _V]) -> None:
        self._top, self._base = top, base

    def __getitem__(self, key: _K) -> _V:
        found = self._top.get(key, _MISSING)
        return self._base[key] if found is _MISSING else found

    def get(self, key: _K, default: Any = None) -> Any:
        found = self._top.get(key, _MISSING)
        return self._base.get(key, default) if found is _MISSING else found

    def __contains__(self, key: object) -> bool:
        return key in self._top or key in self._base

    def __iter__(self) -> Iterator[_K]:
        yield from self._top
        yield from (key for key in self._base if key not in self._top)

    def __len__(self) -> int:
        return len(self._top) + sum(1 for key in self._base if key not in self._top)
