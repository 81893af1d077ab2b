"""How listings leave the sandbox: field selection (`attributes=`), variation attributes only with
`include_attributes=all`, and public quantity placeholders for callers who are not the owner."""

from __future__ import annotations

import copy
from typing import Any

# What ML shows instead of the real stock to anyone but the owner (docs/mercado-livre-api.md §4).
PUBLIC_QUANTITIES = (1, 50, 100, 150, 200, 250, 500, 5000, 50000)


def public_quantity(quantity: int) -> int:
    shown = 0
    for step in PUBLIC_QUANTITIES:
        if quantity >= step:
            shown = step
    return shown


def parse_fields(raw: str | None, prefix: str = "") -> set[str] | None:
    """`attributes=id,price` -> {"id", "price"}; with a prefix (`body.` on /items/bulk) other names are ignored."""
    if not raw:
        return None
    names = {name.strip() for name in raw.split(",") if name.strip()}
    if prefix:
        names = {name[len(prefix) :] for name in names if name.startswith(prefix)}
    return names


def render_variation(variation: dict, *, include_attributes: bool, owner: bool) -> dict:
    out = copy.deepcopy(variation)
    if not include_attributes:
        # Field report (docs/mercado-livre-api.md §4): without include_attributes=all the variation SKU is invisible.
        out.pop("attributes", None)
        out["seller_custom_field"] = None
    if not owner:
        out["available_quantity"] = public_quantity(out["available_quantity"])
    return out


def render_item(
    item: dict,
    *,
    fields: set[str] | None = None,
    include_attributes: bool = False,
    owner: bool = True,
    variation_attributes: bool | None = None,
) -> dict:
    """A fresh JSON-ready copy of a listing (nothing shared with the state). `variation_attributes` (default:
    `include_attributes`) says whether the variations carry theirs."""
    if variation_attributes is None:
        variation_attributes = include_attributes
    out: dict[str, Any] = {}
    for key, value in item.items():
        if key.startswith("_") or (fields is not None and key not in fields):
            continue
        if key == "variations":
            out[key] = [render_variation(v, include_attributes=variation_attributes, owner=owner) for v in value]
        elif isinstance(value, (dict, list)):
            out[key] = copy.deepcopy(value)
        else:
            out[key] = value
    if not owner and "available_quantity" in out:
        out["available_quantity"] = public_quantity(out["available_quantity"])
    return out
