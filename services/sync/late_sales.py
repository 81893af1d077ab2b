"""Sales that arrive between the plan and the stock writes (the operator may look at a plan for minutes).

Mercado Livre already took those units off the listing; the plan's targets don't know them, so pushing
the plan as it was would put the units back on sale (oversell). Right before the stock writes, the engine
reads the orders updated since the plan was made, records the new sales through the same idempotent path
(keys order + listing + variation), and recomputes the targets of the codes they moved against the fresh
ERP balance and the live Mercado Livre quantity (the affected listings are read again).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from services.linking import Link, LinkState
from services.meli.models import Listing
from services.sync.plan import Action, ActionKind, ActionStatus

AFTER_PLAN = "arrived after the plan was made"


def new_movements(moves: Iterable[Action], planned_keys: set[str]) -> list[Action]:
    """Sale/cancellation actions of orders the plan did not have (already recorded keys never come back)."""
    out = []
    for move in moves:
        if (
            move.kind not in (ActionKind.SALE, ActionKind.SALE_COUNTED, ActionKind.SALE_CANCEL)
            or move.key in planned_keys
        ):
            continue
        reason = f"{move.reason}; {AFTER_PLAN}" if move.reason else AFTER_PLAN
        out.append(replace(move, reason=reason))
    return out


def affected_links(links: Iterable[Link], codes: set[str]) -> list[Link]:
    """Rows whose stock comes from a code a late sale moved (every listing fed by that code)."""
    return [l for l in links if l.erp_code in codes and l.state == LinkState.LINKED]


def moved_rows(links: Iterable[Link], balances: Mapping[str, int]) -> list[Link]:
    """Linked rows whose ERP balance is no longer the one they were last written with (a watch tick reads and
    plans just these). A code with no stock record is not a balance of zero (docs/mercado-livre-api.md §12.13): left alone."""
    return [
        l
        for l in links
        if l.state == LinkState.LINKED
        and l.erp_code is not None
        and l.erp_code in balances
        and balances[l.erp_code] != l.erp_stock
    ]


def with_live_stock(links: Iterable[Link], live: Mapping[str, Listing]) -> list[Link]:
    """The rows with the quantity Mercado Livre shows now (rows of listings not read again keep theirs)."""
    out = []
    for link in links:
        listing = live.get(link.listing_id)
        if listing is None:
            out.append(link)
            continue
        quantity: int | None
        if link.variation_id is None:
            quantity = listing.available_quantity
        else:
            variation = listing.variation(link.variation_id)
            quantity = variation.available_quantity if variation else link.ml_stock
        out.append(replace(link, ml_stock=quantity))
    return out


def merge_targets(actions: list[Action], fresh: list[Action], keys: set[str], why: str) -> tuple[list[Action], int]:
    """The run's actions with the stock targets of `keys` replaced by `fresh` ones; how many changed.

    A planned target whose fresh value is already on Mercado Livre is skipped (nothing to write); a row
    the plan left alone that now needs a write is added. Each change says why (`why`: the orders)."""
    by_key = {a.link_key: a for a in fresh if a.kind == ActionKind.STOCK}
    out: list[Action] = []
    changed = 0
    seen: set[str] = set()
    for action in actions:
        key = action.link_key
        if action.kind != ActionKind.STOCK or key not in keys or action.status != ActionStatus.PLANNED:
            out.append(action)
            continue
        seen.add(key)
        new = by_key.get(key)
        if new is None:
            changed += 1
            out.append(
                action.skipped(
                    f"planned {action.from_} -> {action.to}; {why}: Mercado Livre already shows "
                    "the right quantity, nothing to write"
                )
            )
        elif (new.status, new.to, new.from_) != (action.status, action.to, action.from_):
            changed += 1
            note = f"target changed from the plan ({action.from_} -> {action.to}): {why}"
            out.append(replace(new, reason=f"{new.reason}; {note}" if new.reason else note))
        else:
            out.append(replace(new, reason=action.reason))
    for key, new in by_key.items():
        if key in seen or new.status != ActionStatus.PLANNED:
            continue
        if any(a.link_key == key and a.kind == ActionKind.STOCK for a in actions):
            continue  # the plan skipped this row for its own reason (Full, lost link...): it stays so
        changed += 1
        out.append(replace(new, reason=f"not in the plan (it was right then): {why}"))
    return out, changed
