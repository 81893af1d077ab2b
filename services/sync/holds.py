"""Units held by orders that took stock but are not paid yet (pure).

Mercado Livre takes an order's units off the listing at its first confirmed/paid moment (`date_closed`), and an
order can sit `confirmed`, `payment_required`, `payment_in_process` or `partially_paid` before it is `paid`
(docs/mercado-livre-api.md §8.2). melisync books a sale only once paid, so while an order waits a stock push
would write the ERP balance back and put its units on sale again. Those units are a hold: kept off the target
written to Mercado Livre, never booked in the ERP ledger (not a sale yet). Paid, the normal sale booking takes
over (the ERP goes down, the hold is gone: the same target); cancelled, the hold is gone and the units return.

Holds are read again at every stock sync (docs/internals.md, "Units held by unpaid orders"): no file keeps them.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from services.linking import Link
from services.meli.models import Order
from services.sync.orders import latest_first, link_key_of, sale_key, takes_sales

# Statuses in which an order may hold units before it is paid; it holds them once `date_closed` is set.
HELD_STATUSES = frozenset({"confirmed", "payment_required", "payment_in_process", "partially_paid"})


@dataclass(frozen=True)
class Hold:
    """The units of one code held by unpaid orders: what the stock target of its rows leaves out."""

    code: str
    units: int
    orders: tuple[int, ...]

    def reason(self, balance: int) -> str:
        orders = ", ".join(str(o) for o in self.orders)
        # Ends in fixed words: a reason joined with others by "; " is still translated part by part.
        return (
            f"the ERP stock ({balance}) less the units held by orders not paid yet ({self.units}, orders: "
            f"{orders}) is what can be sold"
        )


def plan_holds(
    orders: Iterable[Order],
    links: Mapping[str, Link],
    counted: Mapping[str, datetime],
    recorded: Container[str] = frozenset(),
) -> dict[str, Hold]:
    """The holds by ERP code from the orders read in HELD_STATUSES (each order in its latest state).

    A hold counts on its row's code when that row takes sales (a kit's units are its components' orders; Full
    units are Mercado Livre's). A hold closed before the code's stock count is in the count (the listing had
    already given those units when the count was taken: docs/internals.md, "The count is the truth") and
    subtracts nothing; so does one whose sale is already in the ledger (it was paid meanwhile)."""
    units: dict[str, int] = {}
    held_by: dict[str, list[int]] = {}
    for order in latest_first(orders):
        if order.status not in HELD_STATUSES or order.date_closed is None:
            continue
        for item in order.items:
            link = links.get(link_key_of(item))
            if not takes_sales(link):
                continue
            code = link.erp_code
            assert code is not None  # takes_sales: only rows with an ERP code take sales
            count = counted.get(code)
            if (count is not None and order.date_closed <= count) or sale_key(order.id, item) in recorded:
                continue
            units[code] = units.get(code, 0) + item.quantity
            if order.id not in held_by.setdefault(code, []):
                held_by[code].append(order.id)
    return {code: Hold(code, n, tuple(held_by[code])) for code, n in units.items()}


def holds_note(holds: Mapping[str, Hold]) -> list[str]:
    """One plan note naming each hold (code, units, orders), so the operator sees why those targets are lower than
    the ERP stock, even where Mercado Livre already shows the lower number and nothing is written."""
    if not holds:
        return []
    codes = sorted(holds)
    shown = "; ".join(
        f"{code}: {holds[code].units} ({', '.join(str(o) for o in holds[code].orders)})" for code in codes[:10]
    ) + (f"; and {len(codes) - 10} more" if len(codes) > 10 else "")
    units = sum(h.units for h in holds.values())
    orders = len({o for h in holds.values() for o in h.orders})
    return [
        f"units held by orders confirmed but not paid yet are kept off the listings until paid (then recorded "
        f"as sales) or cancelled (units: {units}, orders: {orders}); code: units (orders): {shown}"
    ]
