"""The orders step, planned: paid order items become `sale` movements, cancellations compensate,
buyers become (or update) ERP customers.

Idempotent by order, listing and variation: a movement key already in the ledger is never planned
again, so an order seen twice (two windows, a re-fetch, a re-run after a crash) decrements once.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping
from dataclasses import replace
from datetime import datetime
from enum import Enum
from typing import Final, Literal, TypeGuard

from services.erp.models import Customer
from services.linking import FULL_REASON, KIT_REASON, Link, LinkState
from services.meli.models import BillingInfo, Order, OrderItem
from services.reasons import Code, Reason
from services.sync.plan import Action, ActionKind, ActionStatus

# Statuses in which Mercado Livre has taken the units off the listing (docs/mercado-livre-api.md §8.2).
SOLD_STATUSES = frozenset({"paid", "partially_refunded"})
# Statuses that give the units back; a recorded sale is compensated.
CANCELLED_STATUSES = frozenset({"cancelled", "invalid"})
# Only rows whose ERP code is trusted take sales: a lost or unknown link is reported instead.
_SALE_STATES = frozenset({LinkState.LINKED, LinkState.NOT_WRITABLE})


def link_key_of(item: OrderItem) -> str:
    """The key of the row (listing, or listing:variation) an order item was sold from."""
    return f"{item.listing_id}:{item.variation_id}" if item.variation_id is not None else item.listing_id


def rows_sold(links: Iterable[Link], orders: Iterable[Order]) -> dict[str, Link]:
    """The rows the items of `orders` were sold from, by key: all that `plan_orders` and `plan_holds` look up.
    A mapping of every row would hold a key text per row at the moment a sync holds the most (issue 16: ~16 MB
    at 50k listings, 142k rows), for the few rows a run's orders name."""
    sold = {item.listing_id for order in orders for item in order.items}
    return {link.key: link for link in links if link.listing_id in sold}


def takes_sales(link: Link | None) -> TypeGuard[Link]:
    """Whether an order on this row moves its ERP code: a trusted code, not a kit (its units are its components'
    orders), not Full (its units are Mercado Livre's)."""
    return (
        link is not None
        and link.erp_code is not None
        and link.state in _SALE_STATES
        and link.reason not in (KIT_REASON, FULL_REASON)
    )


def sale_key(order_id: int, item: OrderItem) -> str:
    return f"sale:{order_id}:{item.listing_id}:{item.variation_id if item.variation_id is not None else '-'}"


def cancel_key(order_id: int, item: OrderItem) -> str:
    return "cancel" + sale_key(order_id, item)[len("sale") :]


class _Same(Enum):
    ORDERS = "same orders"


SAME_ORDERS: Final = _Same.ORDERS  # customers come from the same orders as the sales


def plan_orders(
    orders: Iterable[Order],
    links: Mapping[str, Link],
    recorded: Container[str],
    balances: Mapping[str, int],
    customers: Mapping[int, Customer] | None = None,
    billing: Mapping[str, BillingInfo] | None = None,
    buyer_orders: Iterable[Order] | Literal[_Same.ORDERS] | None = SAME_ORDERS,
    counted: Mapping[str, datetime] | None = None,
) -> list[Action]:
    """Sale and compensation movements for `orders`, then customer actions for the buyers of `buyer_orders`
    (default: the same orders; None: no customers, as in a stock sync).

    `recorded` holds the movement keys already in the ledger (the one record of which sales are booked);
    `balances` the ERP balances before this step (for the before/after shown); `counted` when each code's
    stock was last counted (docs/internals.md, "The count is the truth"): a sale closed after it is taken
    off, one closed before it is already in the count (booked as `sale_counted`, quantity 0, so that a later
    cancellation gives the units back once); `billing` the billing info fetched for these orders, by id.
    """
    orders = list(orders)
    buyers_from = orders if buyer_orders is SAME_ORDERS else list(buyer_orders or ())
    customers = customers or {}
    billing = billing or {}
    counted = counted or {}
    running = dict(balances)
    actions: list[Action] = []
    for order in latest_first(orders):
        for item in order.items:
            action = _movement(order, item, links, recorded, counted)
            if action is None:
                continue
            if action.status == ActionStatus.PLANNED:
                before = running.get(action.code, 0)
                running[action.code] = before + action.data["quantity"]
                action = replace(action, from_=before, to=running[action.code])
            actions.append(action)
    buyers: dict[int, Order] = {}
    for order in latest_first(buyers_from):
        if order.status in SOLD_STATUSES:
            buyers.setdefault(order.buyer_id, order)
    for buyer_id, order in buyers.items():
        action = _customer(buyer_id, order, customers.get(buyer_id), billing.get(order.billing_info_id or ""))
        if action:
            actions.append(action)
    return actions


def latest_first(orders: Iterable[Order]) -> list[Order]:
    """Each order once, in its latest state (overlapping windows repeat orders), oldest first."""
    latest: dict[int, Order] = {}
    for order in orders:
        if order.id not in latest or order.date_last_updated >= latest[order.id].date_last_updated:
            latest[order.id] = order
    return sorted(latest.values(), key=lambda o: (o.date_created, o.id))


def _movement(
    order: Order, item: OrderItem, links: Mapping[str, Link], recorded: Container[str], counted: Mapping[str, datetime]
) -> Action | None:
    key = sale_key(order.id, item)
    link = links.get(link_key_of(item))
    code = link.erp_code if link else None
    count = counted.get(code) if code else None
    data = {"quantity": 0, "order_id": order.id, "time": order.closed.isoformat()}
    action = Action(
        kind=ActionKind.SALE, item_id=item.listing_id, variation_id=item.variation_id, erp_code=code, key=key, data=data
    )
    if order.status in SOLD_STATUSES:
        if key in recorded:
            return None  # booked (as a sale, or as already in the count)
        if count is not None and order.closed <= count:
            # In the count already: nothing to take off, but the ledger learns the sale, so a later
            # cancellation (Mercado Livre puts the units back) gives them back to the ERP too.
            action = replace(action, kind=ActionKind.SALE_COUNTED, reason=IN_COUNT)
        else:
            action.data["quantity"] = -item.quantity
            if code is not None and count is None:
                # No count, no truth to take the sale off: the ERP has never been given this code's stock.
                return _checked(action, link, Reason(Code.NO_COUNT, order=order.id, code=code))
    elif order.status in CANCELLED_STATUSES:
        key_back = cancel_key(order.id, item)
        if key_back in recorded:
            return None  # already given back
        if key not in recorded:
            if count is None or order.closed > count or order.date_last_updated <= count:
                # Never booked and cancelled (Mercado Livre put the units back on its own), or closed and
                # cancelled before the count (the count has the units): nothing to do.
                return None
            # Sold before the count, cancelled after it or not: unknown. Giving back units the count already had
            # would oversell, so the ERP is left as it is (at worst it under-states) and the seller is told.
            action = replace(
                action, kind=ActionKind.SALE_CANCEL, key=key_back, data={**data, "quantity": item.quantity}
            )
            return _checked(action, link, Reason(Code.CANCELLED_BEFORE_COUNT, order=order.id, code=str(code)))
        action = replace(
            action,
            kind=ActionKind.SALE_CANCEL,
            key=key_back,
            data={**data, "quantity": item.quantity, "time": order.date_last_updated.isoformat()},
        )
    else:
        return None  # not paid yet: Mercado Livre has not taken the units
    return _checked(action, link)


IN_COUNT = Reason(Code.IN_COUNT)


def _checked(action: Action, link: Link | None, skip: Reason | None = None) -> Action:
    """The movement as planned, or skipped: when its row cannot take sales, else when `skip` says why."""
    order_id = action.data["order_id"]
    if link is not None and link.reason == KIT_REASON:
        # A kit's units are its components': Mercado Livre sends one order per component (tag bundle_component),
        # each booked on the component's own link. Booking the kit too would take the units off twice.
        return action.skipped(Reason(Code.KIT_ORDER, order=order_id))
    if link is not None and link.reason == FULL_REASON:
        # Full units ship from Mercado Livre's warehouse, not from the seller's: the ERP count stays.
        return action.skipped(Reason(Code.FULL_ORDER, order=order_id))
    if link is None or link.erp_code is None or link.state not in _SALE_STATES:
        if link is None:
            return action.skipped(Reason(Code.ORDER_LISTING_UNREAD, order=order_id))
        return action.skipped(Reason(Code.ORDER_NOT_LINKED, order=order_id, state=link.state.value))
    return action.skipped(skip) if skip else action


def _customer(buyer_id: int, order: Order, known: Customer | None, info: BillingInfo | None) -> Action | None:
    # A field Mercado Livre left empty this time keeps what we knew: never erase a CPF with a null.
    merged = customer_from(buyer_id, info).over(known)
    if known is not None and merged == known:
        return None
    return Action(
        kind=ActionKind.CUSTOMER,
        item_id=None,
        erp_code=None,
        from_=(known.name or str(buyer_id)) if known else None,
        to=merged.name or str(buyer_id),
        key=f"customer:{buyer_id}",
        data={"customer": merged, "order_id": order.id},
    )


def customer_from(buyer_id: int, info: BillingInfo | None) -> Customer:
    """An ERP customer from billing info; any field may be missing while ML still processes it."""
    if info is None:
        return Customer(buyer_id=buyer_id)
    return Customer(
        buyer_id=buyer_id,
        name=info.name,
        doc_type=info.doc_type,
        doc_number=info.doc_number,
        address=replace(info.address, country=None),  # the ERP keeps no country
    )
