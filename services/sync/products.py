"""S5 import, planned: listings whose reference code the ERP does not know become ERP products.

Nothing is invented: a listing (or variation) without a reference code is reported, never imported
under a made-up code. A code already in the ERP, or already planned from another listing, is not
imported twice (classic + premium listings of one product).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from services.erp.models import Composition, Product
from services.linking import CatalogueView, clean_code
from services.meli.models import Listing
from services.reasons import Code, Reason
from services.sync.plan import Action, ActionKind, ActionStatus, Overlay, balances_after

KIT_NOT_IMPORTED = Reason(Code.KIT_NOT_IMPORTED)


def import_key(code: str) -> str:
    """Idempotency key of the import movement of one code: a re-run never imports its stock twice."""
    return f"import:{code}"


def plan_products(
    listings: Iterable[Listing], catalogue: CatalogueView, held: Mapping[str, Reason] | None = None
) -> list[Action]:
    """Import actions. `held`: link keys not to import from, with why (a lost link, an ignored row):
    a code changed on a linked listing is the operator's to resolve, not a new product."""
    held = held or {}
    planned: dict[str, str] = {}  # code -> listing it is imported from
    actions: list[Action] = []

    def add(kind: ActionKind, listing: Listing, code: str, vid: int | None, qty: int | None, **data: Any) -> None:
        key = f"{listing.id}:{vid}" if vid is not None else listing.id
        if key in held:
            actions.append(_skip(kind, listing, vid, code, Reason(Code.NOT_IMPORTED, why=held[key])))
            return
        if code in planned:
            actions.append(
                _skip(kind, listing, vid, code, Reason(Code.IMPORTED_FROM, code=str(code), listing=planned[code]))
            )
            return
        planned[code] = listing.id
        if qty is not None:
            data["quantity"] = qty
        actions.append(
            Action(
                kind=kind,
                item_id=listing.id,
                variation_id=vid,
                erp_code=code,
                from_=None,
                to=qty,
                key=import_key(code) if qty is not None else None,
                data=data,
            )
        )

    for listing in listings:
        code = clean_code(listing.reference_code)
        if listing.is_kit:
            # A kit has no units of its own (ML computes them from its components): imported, it would be an ERP
            # product whose stock no sale ever moves (docs/mercado-livre-api.md §6.8).
            actions.append(_skip(ActionKind.IMPORT_PRODUCT, listing, None, code, KIT_NOT_IMPORTED))
            continue
        if not listing.variations:
            if not code:
                actions.append(_skip(ActionKind.IMPORT_PRODUCT, listing, None, None, Reason(Code.NO_REFERENCE_CODE)))
            elif not catalogue.knows(code):
                add(
                    ActionKind.IMPORT_PRODUCT,
                    listing,
                    code,
                    None,
                    listing.available_quantity,
                    name=listing.title,
                    price=str(listing.price),
                    has_variations=False,
                )
            continue
        unknown = [
            v
            for v in listing.variations
            if (variation_code := clean_code(v.reference_code)) and not catalogue.knows(variation_code)
        ]
        if code is None:
            for variation in unknown:
                actions.append(
                    _skip(
                        ActionKind.IMPORT_COMPOSITION,
                        listing,
                        variation.id,
                        clean_code(variation.reference_code),
                        Reason(Code.NO_PARENT_CODE),
                    )
                )
            continue
        if catalogue.knows(code):
            continue  # existing products are linked, not extended: an unknown variation code stays reported
        add(
            ActionKind.IMPORT_PRODUCT,
            listing,
            code,
            None,
            None,
            name=listing.title,
            price=str(listing.price),
            has_variations=True,
        )
        for variation in listing.variations:
            vcode = clean_code(variation.reference_code)
            if not vcode:
                actions.append(
                    _skip(ActionKind.IMPORT_COMPOSITION, listing, variation.id, None, Reason(Code.VARIATION_NO_CODE))
                )
            elif not catalogue.knows(vcode):
                add(
                    ActionKind.IMPORT_COMPOSITION,
                    listing,
                    vcode,
                    variation.id,
                    variation.available_quantity,
                    parent_code=code,
                    attributes=[list(pair) for pair in variation.attributes],
                )
    return actions


def catalogue_after(catalogue: CatalogueView, actions: Iterable[Action]) -> CatalogueView:
    """The catalogue as it will be once the planned imports are applied (for planning the next steps): the new codes
    laid over the catalogue's own mappings (not copies: issue 16, memory per listing)."""
    products: dict[str, Product] = {}
    compositions: dict[str, Composition] = {}
    actions = list(actions)
    for action in actions:
        if action.status != ActionStatus.PLANNED:
            continue
        if action.kind == ActionKind.IMPORT_PRODUCT:
            products[action.code] = product_of(action)
        elif action.kind == ActionKind.IMPORT_COMPOSITION:
            compositions[action.code] = composition_of(action)
    balances = balances_after(catalogue.balances, actions)
    if not products and not compositions:
        return CatalogueView.shared(catalogue.products, catalogue.compositions, balances, catalogue.children)
    children: dict[str, list[Composition]] = {}
    for composition in compositions.values():
        children.setdefault(composition.parent_code, list(catalogue.compositions_of(composition.parent_code)))
        children[composition.parent_code].append(composition)
    return CatalogueView.shared(
        Overlay(products, catalogue.products),
        Overlay(compositions, catalogue.compositions),
        balances,
        Overlay(children, catalogue.children),
    )


def product_of(action: Action) -> Product:
    return Product(
        code=action.code,
        name=action.data["name"],
        price=Decimal(action.data["price"]),
        has_variations=bool(action.data.get("has_variations")),
    )


def composition_of(action: Action) -> Composition:
    return Composition(
        code=action.code,
        parent_code=action.data["parent_code"],
        attributes=tuple(tuple(pair) for pair in action.data.get("attributes", ())),
    )


def _skip(kind: ActionKind, listing: Listing, vid: int | None, code: str | None, reason: Reason) -> Action:
    return Action(
        kind=kind, item_id=listing.id, variation_id=vid, erp_code=code, status=ActionStatus.SKIPPED, reason=reason
    )
