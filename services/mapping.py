"""The variation mapping of one listing (S7) and whether its ERP product can be converted to its variations (S8).

Pure rules over the links and the ERP catalogue: no files opened here, no words. What is allowed and why
not comes back as a `Reason` (a stable code plus values); the screen chooses the words
(screens/mapping.py). See docs/internals.md, "Variation mapping".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING

from services.erp.models import Composition
from services.linking import Link, LinkState

if TYPE_CHECKING:
    from services.erp.catalog import Catalog

NOT_ON_ML = "not_on_ml"  # a pair's state for an ERP composition no variation carries


class NotConvertible(StrEnum):
    """Why converting the ERP product to the listing's variations is not offered."""

    NO_MISMATCH = "no_mismatch"  # nothing to convert: no structure mismatch
    PRODUCT_UNKNOWN = "product_unknown"  # the listing's ERP product is not in the catalogue
    NO_VARIATIONS = "no_variations"  # the listing has no variations
    COMPOSITIONS_EXIST = "compositions_exist"  # the product has these compositions now: a sync links them
    LINKING = "linking"  # not S8's case: `detail` is what linking found (a repeated code, ...)
    CODES_MISSING = "codes_missing"  # a variation carries no reference code
    CODES_TAKEN = "codes_taken"  # the variations' codes repeat or are already used in the ERP


@dataclass(frozen=True)
class Reason:
    code: NotConvertible
    detail: str = ""  # LINKING: the link's own reason, as linking stored it


@dataclass(frozen=True)
class MappingPair:
    """One line of the variation mapping: a variation on Mercado Livre and the ERP composition it feeds
    (either side may be missing), with the link state."""

    variation: Link | None  # None for an ERP composition no variation carries
    composition: Composition | None
    erp_stock: int | None
    state: str  # a LinkState value, or NOT_ON_ML
    erp_product: str | None = None  # families: the ERP product (no compositions) a listing feeds instead


@dataclass(frozen=True)
class MappingView:
    """One listing's variations beside its ERP product's compositions (S7), and whether S8 applies."""

    listing_id: str
    title: str = ""
    product_code: str | None = None
    product_name: str | None = None
    pairs: tuple[MappingPair, ...] = ()
    convertible: bool = False  # S8: the ERP product can be converted to these variations
    why_not: Reason | None = None  # why converting is not offered (when there is a structure mismatch)
    new_compositions: tuple[Composition, ...] = ()  # what converting would create
    family_name: str | None = None  # User Products: the pairs are the family's listings, not variations
    products: tuple[str, ...] = ()  # families fed by plain ERP products (one per listing), not compositions


def family_of(links: Iterable[Link]) -> str | None:
    """A User Products family is mapped like one listing with variations: its listings are the variants."""
    return next((link.family_name for link in links if link.family_name), None)


def parse_label(label: str) -> tuple[tuple[str, str], ...]:
    """ "Cor: Azul / Tamanho: M" (Variation.label) -> (("Cor", "Azul"), ("Tamanho", "M"))."""
    pairs = []
    for part in label.split(" / ") if label else ():
        name, sep, value = part.partition(": ")
        pairs.append((name, value) if sep else ("", part))
    return tuple(pairs)


def variation_mapping(listing_id: str, links: Sequence[Link], catalog: Catalog) -> MappingView:
    """The mapping of `listing_id` from its links (a family's: every listing of the family)."""
    family = family_of(links)
    products, compositions = catalog.products(), catalog.compositions()
    product_code = None
    for link in links:
        code = link.erp_code or link.reference_code
        if code is None:
            continue
        if code in compositions:
            product_code = compositions[code].parent_code
            break
        if code in products and not family:  # a family may feed one plain product per listing
            product_code = code
            break
    product = products.get(product_code) if product_code else None
    children = catalog.compositions_of(product_code) if product_code else []
    by_code = {c.code: c for c in children}
    pairs, used = [], set()
    for link in links:
        code = link.erp_code if link.erp_code in by_code else link.reference_code
        composition = by_code.get(code) if code else None
        if composition is not None:
            used.add(composition.code)
        stock = catalog.balance(composition.code) if composition else link.erp_stock
        plain_product = link.erp_code if family and composition is None and link.erp_code in products else None
        pairs.append(MappingPair(link, composition, stock, link.state.value, erp_product=plain_product))
    for composition in children:
        if composition.code not in used:
            pairs.append(MappingPair(None, composition, catalog.balance(composition.code), NOT_ON_ML))
    fed = tuple(dict.fromkeys(p.erp_product for p in pairs if p.erp_product))
    view = MappingView(
        listing_id,
        title=links[0].title if links else "",
        product_code=product_code,
        product_name=product.name if product else None,
        pairs=tuple(pairs),
        family_name=family,
        products=fed,
    )
    if not any(link.state == LinkState.STRUCTURE_MISMATCH for link in links):
        return view
    why = conversion_blocked(view.product_code, links, catalog)
    if why is not None:
        return replace(view, why_not=why)
    variations = [link for link in links if link.variation_id is not None]
    new = tuple(
        Composition(
            code=link.reference_code or "",
            parent_code=view.product_code or "",
            attributes=parse_label(link.variation_label),
        )
        for link in variations
    )
    return replace(view, convertible=True, new_compositions=new)


def conversion_blocked(product_code: str | None, links: Sequence[Link], catalog: Catalog) -> Reason | None:
    """S8: None when the ERP product (no compositions) can get one composition per variation, else why not."""
    variations = [link for link in links if link.variation_id is not None]
    product = catalog.products().get(product_code) if product_code else None
    if product is None:
        return Reason(NotConvertible.PRODUCT_UNKNOWN)
    if not variations:
        return Reason(NotConvertible.NO_VARIATIONS)
    codes = [link.reference_code for link in variations]
    mine = catalog.compositions_of(product.code)
    if product.has_variations or mine:
        if len(set(codes)) == len(codes) and all(c in {m.code for m in mine} for c in codes):
            return Reason(NotConvertible.COMPOSITIONS_EXIST)
        # Not S8's case: say what linking found (a repeated code, a product code on a variation...).
        found = next((link.reason for link in links if link.state == LinkState.STRUCTURE_MISMATCH), "")
        return Reason(NotConvertible.LINKING, detail=found)
    if any(not c for c in codes):
        return Reason(NotConvertible.CODES_MISSING)
    if len(set(codes)) != len(codes) or any(catalog.knows(c) for c in codes if c):
        return Reason(NotConvertible.CODES_TAKEN)
    return None


def conversion_reference(listing_id: str) -> str:
    """The ledger's reference on the reset movement of a conversion (kept in the ERP, not shown translated)."""
    return f"S8: converted to the variations of listing {listing_id}"


def why_not_converting(view: MappingView) -> Reason | None:
    """None when `view` may be converted; else the reason (NO_MISMATCH when there is nothing to convert)."""
    if view.convertible:
        return None
    return view.why_not or Reason(NotConvertible.NO_MISMATCH)
