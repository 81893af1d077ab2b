"""S4, planned: for every linked, writable listing or variation, the ERP balance minus the safety
stock (never below 0), written only where it differs from what Mercado Livre shows now.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from services.linking import Link, LinkState
from services.sync.plan import Action, ActionKind, ActionStatus

# Rows reported in a stock plan although nothing is written to them (users.md 8: say why, once per run).
_REPORTED = frozenset({LinkState.NOT_WRITABLE, LinkState.LINK_LOST, LinkState.STRUCTURE_MISMATCH})


def target(balance: int, safety_stock: int) -> int:
    return max(0, balance - safety_stock)


def plan_stock(links: Iterable[Link], balances: Mapping[str, int], safety_stock: int = 0) -> tuple[list[Action], int]:
    """Stock actions and the number of linked targets already right on Mercado Livre."""
    actions: list[Action] = []
    unchanged = 0
    for link in links:
        base = Action(kind=ActionKind.STOCK, item_id=link.listing_id, variation_id=link.variation_id,
                      erp_code=link.erp_code, from_=link.ml_stock, data={"route": route(link)})
        if link.state in _REPORTED and link.erp_code:
            actions.append(base.skipped(f"{link.state.value}: {link.reason}"))
            continue
        if link.state != LinkState.LINKED:
            continue
        balance = balances.get(link.erp_code)
        if balance is None:
            # No stock record is not zero: pushing 0 would pause the listing (ml-api.md §12.13).
            actions.append(base.skipped(f"no stock record in the ERP for {link.erp_code}"))
            continue
        wanted = target(balance, safety_stock)
        if wanted == link.ml_stock:
            unchanged += 1
            continue
        actions.append(Action(kind=ActionKind.STOCK, item_id=link.listing_id, variation_id=link.variation_id,
                              erp_code=link.erp_code, from_=link.ml_stock, to=wanted,
                              status=ActionStatus.PLANNED, data=base.data))
    return actions, unchanged


def route(link: Link) -> str:
    """Which write takes this target. Today: `variation` (PUT .../variations/{vid}) or `item` (PUT /items/{id}).

    Issue 7 adds `user_product` (one write per user product) and `warehouse` (x-version stock API) here.
    """
    return "variation" if link.variation_id is not None else "item"
