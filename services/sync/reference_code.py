"""Writing a reference code (SELLER_SKU) to a listing or a variation: the operator's fix for a row that
has no code, an unknown one or a lost link. Same rules as stock writes: one journaled path, previewed,
never a variation deleted or recreated (docs/mercado-livre-api.md §7), read back.
"""

from __future__ import annotations

from typing import Any

from services.errors import BadInput
from services.i18n import N_
from services.linking import clean_code
from services.meli.errors import AnswerLost, MeliApiError
from services.meli.models import SELLER_SKU, Listing
from services.reasons import Code, Reason
from services.sync.apply import FALLBACK_STATUSES, MeliWriter
from services.sync.plan import Action, ActionKind


def reference_code_action(live: Listing, variation_id: int | None, code: str) -> Action:
    """The change to show before writing: current code -> new code, read from the live listing."""
    new = clean_code(code)
    if new is None:
        raise BadInput(N_("the new reference code is empty: type the code to write"))
    if variation_id is None:
        current = live.reference_code
    else:
        variation = live.variation(variation_id)
        if variation is None:
            raise BadInput(
                N_("variation {variation} is not on listing {listing}"), variation=variation_id, listing=live.id
            )
        current = variation.reference_code
    action = Action(
        kind=ActionKind.REFERENCE_CODE,
        item_id=live.id,
        variation_id=variation_id,
        erp_code=new,
        from_=current,
        to=new,
        data={"variation_ids": [v.id for v in live.variations]},
    )
    return action.skipped(Reason(Code.ALREADY_CARRIES)) if current == new else action


async def write_reference_code(client: MeliWriter, action: Action) -> Action:
    """PUT the whole live attribute list with only SELLER_SKU changed (a PUT may drop the attributes it leaves
    out, docs/mercado-livre-api.md §7), then read back that the code is there and nothing else changed. The action comes back
    done or failed (with ML's words). A lost answer is settled by that read-back, never by sending again."""
    assert action.item_id is not None  # a reference code action names its listing (reference_code_action)
    note: Reason | None = None
    try:
        before = await client.attributes(action.item_id, action.variation_id)
        attributes = with_code(before, action.to)
        try:
            if action.variation_id is None:
                await client.put_item(action.item_id, {"attributes": attributes})
            else:
                await _write_variation_code(client, action, attributes)
        except AnswerLost:
            note = Reason(Code.LOST_READ_BACK)
        live = await client.listing(action.item_id)
        after = await client.attributes(action.item_id, action.variation_id)
    except MeliApiError as exc:
        return action.failed(exc.said)
    except ValueError as exc:
        problem = exc.reason if isinstance(exc, _Gone) else Reason.text(str(exc))
        return action.failed(Reason(Code.NOTHING_SENT, problem=problem))
    if [v.id for v in live.variations] != action.data.get("variation_ids", [v.id for v in live.variations]):
        return action.failed(Reason(Code.IDS_CHANGED_CODE))
    holder = live if action.variation_id is None else live.variation(action.variation_id)
    seen = holder.reference_code if holder else None
    if seen != action.to:
        read_back = Reason(Code.CODE_READ_BACK, seen=repr(seen), to=repr(action.to))
        return action.failed(Reason.join(read_back, note) or read_back)
    lost = sorted(_values(before).keys() - _values(after).keys())
    changed = sorted(k for k, v in _values(before).items() if k in _values(after) and _values(after)[k] != v)
    if lost or changed:
        return action.failed(
            Reason(Code.ATTRIBUTES_CHANGED, gone=", ".join(lost) or "-", changed=", ".join(changed) or "-")
        )
    return action.done(**({"reason": note} if note else {}))


def with_code(attributes: list[dict[str, Any]], code: str) -> list[dict[str, Any]]:
    """The attribute list to send: every live attribute as it is, SELLER_SKU set to `code` (added if absent)."""
    sent = [
        {k: a.get(k) for k in ("id", "value_id", "value_name") if k in a} | {"id": a["id"]}
        for a in attributes
        if a.get("id") != SELLER_SKU
    ]
    return sent + [{"id": SELLER_SKU, "value_name": code}]


def _values(attributes: list[dict[str, Any]]) -> dict[str, tuple[object, object]]:
    """Attribute id -> its value, SELLER_SKU left out (the one that is meant to change)."""
    return {a["id"]: (a.get("value_id"), a.get("value_name")) for a in attributes if a.get("id") != SELLER_SKU}


async def _write_variation_code(client: MeliWriter, action: Action, attributes: list[dict[str, Any]]) -> None:
    assert action.item_id is not None and action.variation_id is not None  # called for a variation's code
    try:
        await client.put_variation(action.item_id, action.variation_id, {"attributes": attributes})
        return
    except MeliApiError as exc:
        if exc.status not in FALLBACK_STATUSES:
            raise
    # The whole array, every live variation id kept, only the one being fixed carries a change (docs/mercado-livre-api.md §7).
    live = await client.listing(action.item_id)
    ids = [v.id for v in live.variations]
    if action.variation_id not in ids:
        raise _Gone(Reason(Code.VARIATIONS_GONE, ids=str(action.variation_id), count=1))
    body = [{"id": vid, **({"attributes": attributes} if vid == action.variation_id else {})} for vid in ids]
    await client.put_item(action.item_id, {"variations": body})


class _Gone(ValueError):
    """The variation being fixed left the live listing before the write (nothing is sent)."""

    def __init__(self, reason: Reason) -> None:
        super().__init__(reason.code.value)
        self.reason = reason
