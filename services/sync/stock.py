"""S4, planned: for every linked, writable listing or variation, the ERP balance minus the safety
stock (never below 0), written only where it differs from what Mercado Livre shows now.

Routes (how a target is written) follow ml-api.md §6.1: `variation` (PUT .../variations/{vid}), `item`
(PUT /items/{id}), `user_product` (User Products listings share stock per user_product_id: one write
per user product, the siblings follow). Multi-origin sellers (`warehouse_management`) are reported,
not written: Mercado Livre ignores PUT /items quantities for them and the warehouse stock API route
is not built yet (issue 7).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from services.linking import Link, LinkState
from services.sync.plan import Action, ActionKind, ActionStatus

# Rows reported in a stock plan although nothing is written to them (users.md 8: say why, once per run).
_REPORTED = frozenset({LinkState.NOT_WRITABLE, LinkState.LINK_LOST, LinkState.STRUCTURE_MISMATCH})
WAREHOUSE_SELLER = ("multi-origin seller (warehouse_management): Mercado Livre ignores PUT /items quantities; "
                    "the warehouse stock API route is not built yet, so nothing is written")


def target(balance: int, safety_stock: int) -> int:
    return max(0, balance - safety_stock)


def plan_stock(links: Iterable[Link], balances: Mapping[str, int], safety_stock: int = 0,
               account_tags: Iterable[str] = ()) -> tuple[list[Action], int]:
    """Stock actions and the number of linked targets already right on Mercado Livre."""
    warehouse = "warehouse_management" in set(account_tags)
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
        action = Action(kind=ActionKind.STOCK, item_id=link.listing_id, variation_id=link.variation_id,
                        erp_code=link.erp_code, from_=link.ml_stock, to=wanted, status=ActionStatus.PLANNED,
                        data={"route": route(link), "user_product_id": link.user_product_id})
        actions.append(action.skipped(WAREHOUSE_SELLER) if warehouse else action)
    return _one_write_per_user_product(actions), unchanged


def route(link: Link) -> str:
    """Which write takes this target (ml-api.md §6.1). Issue 7 adds `warehouse` (x-version stock API) here."""
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
        if action.status == ActionStatus.PLANNED and action.data.get("route") == "user_product":
            groups.setdefault(action.data["user_product_id"], []).append(i)
    out = list(actions)
    for user_product, indexes in groups.items():
        if len(indexes) < 2:
            continue
        wanted = {out[i].to for i in indexes}
        if len(wanted) > 1:
            codes = ", ".join(sorted({str(out[i].erp_code) for i in indexes}))
            for i in indexes:
                out[i] = out[i].skipped(f"the listings of user product {user_product} share one stock but carry "
                                        f"codes with different quantities ({codes})")
            continue
        leader = out[indexes[0]]
        for i in indexes[1:]:
            out[i] = replace(out[i], data={**out[i].data, "follows": leader.link_key})
    return out
