"""S4, planned: for every linked, writable listing or variation, the ERP balance minus the safety
stock (never below 0), written only where it differs from what Mercado Livre shows now.

Routes (how a target is written) follow docs/mercado-livre-api.md §6.1: `variation` (PUT .../variations/{vid}), `item`
(PUT /items/{id}), `user_product` (User Products listings share stock per user_product_id: one write
per user product, the siblings follow), `warehouse` (multi-origin sellers, tag `warehouse_management`:
Mercado Livre ignores PUT /items quantities for them, so the stock goes through the user product's
`seller_warehouse` location chosen in config (`warehouse`), one write per user product).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from services.input_rules import DEFAULT_MAX_STOCK
from services.linking import Link, LinkState
from services.meli.models import UserProductStock, Warehouse
from services.reasons import Code, Reason
from services.sync.holds import Hold
from services.sync.plan import Action, ActionKind, ActionStatus

# Rows reported in a stock plan although nothing is written to them (users.md 8: say why, once per run).
_REPORTED = frozenset({LinkState.NOT_WRITABLE, LinkState.LINK_LOST, LinkState.STRUCTURE_MISMATCH})
WAREHOUSE_TAG = "warehouse_management"
SHARED_ROUTES = frozenset({"user_product", "warehouse"})  # one write per user_product_id
FULL_LOCATION = "meli_facility"  # Full stock of a user product: Mercado Livre's, never written


@dataclass(frozen=True)
class WarehouseChoice:
    """The seller warehouse whose quantity melisync writes, or why none can be (said on every target)."""

    store_id: str | None = None
    network_node_id: str | None = None
    problem: Reason | None = None


def choose_warehouse(warehouses: Sequence[Warehouse], configured: str = "") -> WarehouseChoice:
    """config `warehouse` (a store_id) wins; else the seller's only warehouse; several -> the operator chooses."""
    choices = ", ".join(
        f"{w.store_id} ({w.description or w.network_node_id})" if w.description or w.network_node_id else w.store_id
        for w in warehouses
    )
    if configured:
        found = next((w for w in warehouses if w.store_id == configured.strip()), None)
        if found is None:
            return WarehouseChoice(
                problem=Reason(Code.WAREHOUSE_UNKNOWN, configured=configured, choices=choices or "-")
            )
        return WarehouseChoice(found.store_id, found.network_node_id)
    if len(warehouses) == 1:
        return WarehouseChoice(warehouses[0].store_id, warehouses[0].network_node_id)
    if not warehouses:
        return WarehouseChoice(problem=Reason(Code.NO_WAREHOUSES))
    return WarehouseChoice(problem=Reason(Code.WAREHOUSE_NOT_CHOSEN, count=len(warehouses), choices=choices))


def target(balance: int, safety_stock: int) -> int:
    return max(0, balance - safety_stock)


def plan_stock(
    links: Iterable[Link],
    balances: Mapping[str, int],
    safety_stock: int = 0,
    account_tags: Iterable[str] = (),
    warehouse: WarehouseChoice | None = None,
    up_stock: Mapping[str, UserProductStock] | None = None,
    max_stock: int = DEFAULT_MAX_STOCK,
    holds: Mapping[str, Hold] | None = None,
) -> tuple[list[Action], int]:
    """Stock actions and the number of linked targets already right on Mercado Livre. `holds`: the units of
    each code held by orders not paid yet (services/sync/holds.py), kept off its targets. For a multi-origin
    seller, `warehouse` is the chosen warehouse (None: none known, every target is skipped) and `up_stock` the
    stock read per user product: the target is compared with the chosen warehouse's own quantity (the listing's
    quantity adds every warehouse and Full)."""
    multi_origin = WAREHOUSE_TAG in set(account_tags)
    if multi_origin and warehouse is None:
        warehouse = WarehouseChoice(problem=Reason(Code.WAREHOUSES_UNREAD))
    holds = holds or {}
    actions: list[Action] = []
    unchanged = 0
    for link in links:
        how = route(link, multi_origin)
        base = Action(
            kind=ActionKind.STOCK,
            item_id=link.listing_id,
            variation_id=link.variation_id,
            erp_code=link.erp_code,
            from_=link.ml_stock,
            data={"route": how},
        )
        if link.state in _REPORTED and link.erp_code:
            actions.append(
                base.skipped(Reason(Code.LINK_STATE, state=link.state.value, why=link.reason or Reason.text("")))
            )
            continue
        if link.state != LinkState.LINKED:
            continue
        code = link.erp_code or ""  # a linked row has its code ("" would have no stock record, as None had none)
        balance = balances.get(code)
        if balance is None:
            # No stock record is not zero: pushing 0 would pause the listing (docs/mercado-livre-api.md §12.13).
            actions.append(base.skipped(Reason(Code.NO_STOCK_RECORD, code=str(link.erp_code))))
            continue
        hold = holds.get(code)
        wanted = target(balance - (hold.units if hold else 0), safety_stock)
        # Without a usable warehouse nothing is compared per warehouse: only rows whose listing total differs
        # are reported (as before the warehouses were read), the others are not worth a line each.
        blind = not multi_origin or warehouse is None or bool(warehouse.problem)
        if blind and wanted == link.ml_stock:
            unchanged += 1
            continue
        if wanted > max_stock:  # a typo or a pasted id in the ledger is never published (services/input_rules.py)
            actions.append(
                base.skipped(Reason(Code.ABOVE_MAX, code=str(link.erp_code), balance=balance, most=max_stock))
            )
            continue
        data: dict[str, Any] = {"route": how, "user_product_id": link.user_product_id}
        if hold:
            data["held"] = {"units": hold.units, "orders": list(hold.orders)}
        action = Action(
            kind=ActionKind.STOCK,
            item_id=link.listing_id,
            variation_id=link.variation_id,
            erp_code=link.erp_code,
            from_=link.ml_stock,
            to=wanted,
            status=ActionStatus.PLANNED,
            data=data,
            reason=hold.reason(balance) if hold else None,
        )
        written: Action | None = action
        if multi_origin and warehouse is not None:
            written = _through_warehouse(action, warehouse, up_stock or {})
        if written is None:
            unchanged += 1
            continue
        actions.append(written)
    return _one_write_per_user_product(actions), unchanged


def _through_warehouse(
    action: Action, warehouse: WarehouseChoice, up_stock: Mapping[str, UserProductStock]
) -> Action | None:
    """A multi-origin seller's target goes to the chosen seller_warehouse of its user product, compared with what
    that warehouse holds (None: it already holds the target); the other warehouses and Full are read, never
    written, and shown with the action."""
    if warehouse.problem:
        return action.skipped(Reason(Code.MULTI_ORIGIN, problem=warehouse.problem))
    up = action.data.get("user_product_id")
    if not up:
        return action.skipped(Reason(Code.NO_USER_PRODUCT_ID))
    stock = up_stock.get(up)
    if stock is None:
        return action.skipped(Reason(Code.UP_UNREAD, up=up))
    store = warehouse.store_id
    own = stock.warehouse(store)
    here = own.quantity if own else 0
    if here == action.to:
        return None
    others = sum(l.quantity for l in stock.locations if l.type == "seller_warehouse" and l.store_id != store)
    full = sum(l.quantity for l in stock.locations if l.type == FULL_LOCATION)
    why = [action.reason]
    if own is None:
        why.append(Reason(Code.NEW_LOCATION, store=str(store), up=up))
    if others and full:
        why.append(Reason(Code.OTHERS_AND_FULL, others=others, full=full))
    elif others:
        why.append(Reason(Code.OTHERS, others=others))
    elif full:
        why.append(Reason(Code.FULL_HOLDS, full=full))
    data = {
        **action.data,
        "store_id": store,
        "network_node_id": warehouse.network_node_id,
        "others": others,
        "full": full,
    }
    return replace(action, from_=here, data=data, reason=Reason.join(*why))


def with_warehouse_stock(
    links: Iterable[Link],
    warehouse: WarehouseChoice | None,
    up_stock: Mapping[str, UserProductStock],
    written: Mapping[str, int] | None = None,
) -> list[Link]:
    """A multi-origin seller's rows with the chosen warehouse's own quantity as their Mercado Livre stock: what
    the plan compares the ERP balance with (`_through_warehouse`), so the links table's ML column and Diff say
    what the next plan will do. The listing's own quantity adds every warehouse and Full: shown, a synced row
    would read "Diff -3" while that warehouse holds the ERP balance. `written`: user product -> quantity the
    writes just left in the chosen warehouse. A row whose user product's stock was not read (not linked, or
    unreadable) keeps the listing's quantity; without a usable warehouse every row does."""
    if warehouse is None or warehouse.problem or not warehouse.store_id:
        return list(links)
    store, written = warehouse.store_id, written or {}
    out = []
    for link in links:
        up = link.user_product_id
        if up is not None and up in written:
            own: int | None = written[up]
        elif up is not None and up in up_stock:
            location = up_stock[up].warehouse(store)
            own = location.quantity if location else 0  # no location yet: nothing there
        else:
            own = link.ml_stock
        out.append(link if own == link.ml_stock else replace(link, ml_stock=own))
    return out


def route(link: Link, multi_origin: bool = False) -> str:
    """Which write takes this target (docs/mercado-livre-api.md §6.1)."""
    if multi_origin:
        return "warehouse"  # PUT /items is accepted and ignored for these sellers (docs/mercado-livre-api.md §6.5)
    if link.variation_id is not None:
        return "variation"
    if link.family_name is not None and link.user_product_id:
        return "user_product"
    return "item"


def _one_write_per_user_product(actions: list[Action]) -> list[Action]:
    """Listings of one user product share stock: the first is written, the others follow it (`follows`).
    Siblings asking for different quantities (different codes) are skipped: one stock can't hold both."""
    groups: dict[str, list[int]] = {}
    for i, action in enumerate(actions):
        if action.status == ActionStatus.PLANNED and action.data.get("route") in SHARED_ROUTES:
            groups.setdefault(action.data["user_product_id"], []).append(i)
    out = list(actions)
    for user_product, indexes in groups.items():
        if len(indexes) < 2:
            continue
        wanted = {out[i].to for i in indexes}
        if len(wanted) > 1:
            codes = ", ".join(sorted({str(out[i].erp_code) for i in indexes}))
            for i in indexes:
                out[i] = out[i].skipped(Reason(Code.SHARED_DIFFERENT, up=user_product, codes=codes))
            continue
        leader = out[indexes[0]]
        for i in indexes[1:]:
            out[i] = replace(out[i], data={**out[i].data, "follows": leader.link_key})
    return out
