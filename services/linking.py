"""Pure linking: listings + the ERP catalogue -> one link per listing or variation, with its state.

Rules S6 (link by reference code, a changed code loses the link), S7 (variation level) and S8
(structure mismatch). No I/O here: callers pass in what they read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from services.erp.models import Composition, Product
from services.meli.models import Listing, Variation
from services.reasons import Code, Reason


class LinkState(StrEnum):
    """docs/architecture.md §6."""

    LINKED = "linked"
    NO_REFERENCE = "no_reference"  # the listing/variation carries no reference code
    UNKNOWN_CODE = "unknown_code"  # the code is not in the ERP
    LINK_LOST = "link_lost"  # the code changed since it was linked (S6): never silently moved
    STRUCTURE_MISMATCH = "structure_mismatch"  # variations on one side only (S8)
    NOT_WRITABLE = "not_writable"  # Full/fulfillment or another reason Mercado Livre gives
    IGNORED = "ignored"  # the operator said so


@dataclass(frozen=True, slots=True)  # slots: 142k rows at 50k listings (issue 16: memory per listing)
class Link:
    """One row of the linked-products table: a listing (no variations) or one of its variations."""

    listing_id: str
    variation_id: int | None
    state: LinkState
    reference_code: str | None  # what the listing/variation carries now
    erp_code: str | None  # the ERP product/composition it feeds (or fed, for link_lost)
    title: str = ""
    variation_label: str = ""
    erp_name: str | None = None
    erp_stock: int | None = None
    ml_stock: int | None = None
    reason: Reason | None = None  # why: the previous code for link_lost, ML's message for not_writable, ...
    user_product_id: str | None = None
    family_name: str | None = None

    @property
    def key(self) -> str:
        """Stable identity of the row: listing id, plus the variation id when there is one."""
        return f"{self.listing_id}:{self.variation_id}" if self.variation_id is not None else self.listing_id

    @property
    def difference(self) -> int | None:
        if self.erp_stock is None or self.ml_stock is None:
            return None
        return self.erp_stock - self.ml_stock


# --- building links ------------------------------------------------------------------------------

# Listing statuses on which Mercado Livre refuses stock writes (docs/mercado-livre-api.md §5): a closed listing
# cannot be reactivated, one under review or inactive is not the seller's to change.
NOT_WRITABLE_STATUSES = frozenset({"closed", "under_review", "inactive"})

# A stored link fed (or would feed) stock from this ERP code; a different code now means S6 "link lost".
_HELD_STATES = frozenset({LinkState.LINKED, LinkState.LINK_LOST, LinkState.NOT_WRITABLE})


class CatalogueView:
    """What linking needs from the ERP: products, compositions and stock balances by code.

    `balances` holds only codes that have a stock record (a code without one is "no stock record",
    not zero: docs/mercado-livre-api.md §12.13).
    """

    def __init__(
        self,
        products: Iterable[Product] = (),
        compositions: Iterable[Composition] = (),
        balances: Mapping[str, int] | None = None,
    ) -> None:
        self.products: Mapping[str, Product] = {p.code: p for p in products}
        self.compositions: Mapping[str, Composition] = {c.code: c for c in compositions}
        self.balances: Mapping[str, int] = dict(balances or {})
        self._children = _by_parent(self.compositions.values())

    @classmethod
    def shared(
        cls,
        products: Mapping[str, Product],
        compositions: Mapping[str, Composition],
        balances: Mapping[str, int],
        children: Mapping[str, list[Composition]] | None = None,
    ) -> CatalogueView:
        """A view over mappings already by code, kept as they are (read-only: never changed through the view). The
        ERP's own tables are held once per sync, not copied again (issue 16: memory per listing)."""
        view = cls.__new__(cls)
        view.products, view.compositions, view.balances = products, compositions, balances
        view._children = _by_parent(compositions.values()) if children is None else children
        return view

    def knows(self, code: str) -> bool:
        return code in self.products or code in self.compositions

    @property
    def children(self) -> Mapping[str, list[Composition]]:
        """Compositions by parent product code."""
        return self._children

    def compositions_of(self, product_code: str) -> list[Composition]:
        return self._children.get(product_code, [])

    def has_variations(self, product_code: str) -> bool:
        product = self.products.get(product_code)
        return bool(self.compositions_of(product_code)) or bool(product and product.has_variations)

    def name(self, code: str) -> str | None:
        if code in self.products:
            return self.products[code].name
        composition = self.compositions.get(code)
        if composition is None:
            return None
        parent = self.products.get(composition.parent_code)
        base = parent.name if parent else composition.parent_code
        return f"{base} ({composition.label})" if composition.label else base

    def balance(self, code: str | None) -> int | None:
        return self.balances.get(code) if code is not None else None


def _by_parent(compositions: Iterable[Composition]) -> Mapping[str, list[Composition]]:
    children: dict[str, list[Composition]] = {}
    for composition in compositions:
        children.setdefault(composition.parent_code, []).append(composition)
    return children


# The links of the last sync: any rows, or already by key (`LinkRepository.previous()` reads them so, keeping of each
# row only what linking looks at: one mapping per sync instead of a list plus a dict built from it per call).
Previous = Mapping[str, Link] | Iterable[Link]


def links_by_key(previous: Previous) -> Mapping[str, Link]:
    """The rows of `previous` by `Link.key` (as they are when already a mapping)."""
    return previous if isinstance(previous, Mapping) else {link.key: link for link in previous}


def build_links(
    listings: Iterable[Listing],
    catalogue: CatalogueView,
    previous: Previous = (),
    ignored: Iterable[str] = (),
    *,
    multi_origin: bool = False,
) -> list[Link]:
    """One link per listing without variations, or per variation, in listing order.

    `previous` are the links stored by the last sync (for S6 "link lost"), `ignored` the keys
    (`Link.key`) the operator chose to ignore. Precedence: ignored, then what is wrong with the code
    (link lost, no reference, structure mismatch, unknown code), then not writable, else linked.
    `multi_origin`: the seller has `warehouse_management`, so a listing with Full stock still has its own
    warehouse stock to write (the Full part is left alone).
    Each row is made once (no chain of dataclasses.replace: at 142k rows that chain cost seconds).
    """
    before = links_by_key(previous)
    ignored_keys = set(ignored)
    links: list[Link] = []
    for listing in listings:
        if listing.variations:
            links.extend(_variation_links(listing, catalogue, before, ignored_keys, multi_origin))
        else:
            links.append(_listing_link(listing, catalogue, before, ignored_keys, multi_origin))
    return links


def held_rows(listings: Iterable[Listing], previous: Previous = (), ignored: Iterable[str] = ()) -> dict[str, Reason]:
    """The rows build_links would keep out of linking whatever the ERP holds (ignored, link lost), as
    key -> why, without building any row (those two states do not depend on the catalogue)."""
    before = links_by_key(previous)
    ignored_keys = set(ignored)
    held: dict[str, Reason] = {}
    for listing in listings:
        rows = (
            [(f"{listing.id}:{v.id}", v.reference_code) for v in listing.variations]
            if listing.variations
            else [(listing.id, listing.reference_code)]
        )
        for key, code in rows:
            found = _held(key, clean_code(code), before, ignored_keys, listing.is_kit)
            if found and found[0] in (LinkState.IGNORED, LinkState.LINK_LOST):
                held[key] = found[1]
    return held


def _held(
    key: str, code: str | None, before: Mapping[str, Link], ignored: set[str], kit: bool
) -> tuple[LinkState, Reason, Link | None] | None:
    """Ignored by the operator, a kit, or a link lost (S6): decided before anything about the catalogue."""
    if key in ignored:
        return LinkState.IGNORED, IGNORED_REASON, None
    if kit:
        # Never written and never sold on (its sales come as component orders), whatever code it carries.
        return LinkState.NOT_WRITABLE, KIT_REASON, None
    held = before.get(key)
    if held and held.state in _HELD_STATES and held.erp_code and held.erp_code != code:
        lost = (
            Reason(Code.CODE_CHANGED, old=held.erp_code, new=code)
            if code
            else Reason(Code.CODE_REMOVED, old=held.erp_code)
        )
        return LinkState.LINK_LOST, lost, held
    return None


def _listing_link(
    listing: Listing,
    catalogue: CatalogueView,
    before: Mapping[str, Link],
    ignored: set[str],
    multi_origin: bool = False,
) -> Link:
    code = clean_code(listing.reference_code)
    row = _row(listing, None, code, listing.available_quantity)
    if code and catalogue.has_variations(code) and code in catalogue.products:
        count = len(catalogue.compositions_of(code))
        problem = (LinkState.STRUCTURE_MISMATCH, Reason(Code.ERP_HAS_VARIATIONS, product=code, count=count))
    else:
        problem = None
    return _decide(row, listing, catalogue, before, ignored, problem, multi_origin)


def _variation_links(
    listing: Listing,
    catalogue: CatalogueView,
    before: Mapping[str, Link],
    ignored: set[str],
    multi_origin: bool = False,
) -> list[Link]:
    parent = clean_code(listing.reference_code)
    simple_parent = (
        parent if (parent and parent in catalogue.products and not catalogue.has_variations(parent)) else None
    )
    codes = [clean_code(v.reference_code) for v in listing.variations]
    repeated = {c for c in codes if c and codes.count(c) > 1}
    rows = []
    for variation, code in zip(listing.variations, codes, strict=True):
        row = _row(listing, variation, code, variation.available_quantity)
        problem = None
        if code in repeated:
            # Two variations fed from one code would each show the whole ERP quantity: oversold.
            problem = (
                LinkState.STRUCTURE_MISMATCH,
                Reason(Code.REPEATED_CODE, code=code, count=codes.count(code)),
            )
        elif simple_parent and (not code or not catalogue.knows(code)):
            problem = (
                LinkState.STRUCTURE_MISMATCH,
                Reason(Code.ERP_HAS_NO_VARIATIONS, product=simple_parent, count=len(listing.variations)),
            )
            row["erp_code"] = simple_parent
        elif code and code in catalogue.products and not catalogue.has_variations(code):
            problem = (
                LinkState.STRUCTURE_MISMATCH,
                Reason(Code.SIMPLE_ON_VARIATION, code=code),
            )
        rows.append(_decide(row, listing, catalogue, before, ignored, problem, multi_origin))
    return rows


def _decide(
    row: dict[str, Any],
    listing: Listing,
    catalogue: CatalogueView,
    before: Mapping[str, Link],
    ignored: set[str],
    problem: tuple[LinkState, Reason] | None,
    multi_origin: bool = False,
) -> Link:
    """The row's fields (from `_row`) completed with its ERP side and state; the Link is made once, here."""
    code = row["reference_code"]
    if code and catalogue.knows(code):
        row["erp_code"] = code
    key = f"{listing.id}:{row['variation_id']}" if row["variation_id"] is not None else listing.id
    held = _held(key, code, before, ignored, listing.is_kit)
    if held and held[0] == LinkState.LINK_LOST:
        assert held[2] is not None  # a lost link comes with the link it was (_held)
        row["erp_code"] = held[2].erp_code
    erp_code = row["erp_code"]
    row["erp_name"] = catalogue.name(erp_code) if erp_code else None
    row["erp_stock"] = catalogue.balance(erp_code)
    reason: Reason | None
    if held:
        state, reason = held[0], held[1]
    elif problem:
        state, reason = problem
    elif not code:
        state, reason = LinkState.NO_REFERENCE, NO_REFERENCE_REASON
    elif not catalogue.knows(code):
        state, reason = LinkState.UNKNOWN_CODE, Reason(Code.UNKNOWN_CODE, code=code)
    else:
        state, reason = LinkState.NOT_WRITABLE, not_writable_reason(listing, multi_origin)
        previous = before.get(key)
        refused = previous.reason if previous and previous.state == LinkState.NOT_WRITABLE else None
        if not reason and refused and refused.has(Code.ML_REFUSED):
            reason = refused  # Mercado Livre refused a write before: not retried every run (users.md 8)
        if not reason:
            state = LinkState.LINKED
    return Link(state=state, reason=reason, **row)


FULL_REASON = Reason(Code.FULL)
# Mercado Livre's own kits (tag `bundle`): ML computes their stock from the components' (docs/mercado-livre-api.md
# §6.8).
KIT_REASON = Reason(Code.KIT)
IGNORED_REASON = Reason(Code.IGNORED)
MIGRATING_REASON = Reason(Code.MIGRATING)
NO_REFERENCE_REASON = Reason(Code.NO_REFERENCE)

# Tags of the UPtin migration (docs/mercado-livre-api.md §6.6): the old listing, and new listings while it runs.
MIGRATION_SOURCE = "variations_migration_source"
MIGRATION_PENDING = "variations_migration_pending"


def not_writable_reason(listing: Listing, multi_origin: bool = False) -> Reason | None:
    """Why Mercado Livre will not take a stock write for this listing, or None when it will. For a multi-origin
    seller a Full listing is writable: its own warehouse's stock is written, the Full stock left alone."""
    if listing.is_kit:
        return KIT_REASON
    if listing.is_fulfillment and not multi_origin:
        return FULL_REASON
    if MIGRATION_PENDING in listing.tags or (MIGRATION_SOURCE in listing.tags and listing.status != "closed"):
        return MIGRATING_REASON
    if listing.status in NOT_WRITABLE_STATUSES:
        return Reason(Code.LISTING_STATUS, status=listing.status)
    return None


def _row(listing: Listing, variation: Variation | None, code: str | None, ml_stock: int) -> dict[str, Any]:
    return {
        "listing_id": listing.id,
        "variation_id": variation.id if variation else None,
        "reference_code": code,
        "erp_code": None,
        "title": listing.title,
        "variation_label": variation.label if variation else "",
        "ml_stock": ml_stock,
        "user_product_id": (
            variation.user_product_id if variation and variation.user_product_id else listing.user_product_id
        ),
        "family_name": listing.family_name,
    }


def clean_code(code: str | None) -> str | None:
    """A reference code as compared: surrounding blanks removed, empty -> None."""
    # Codes are compared as the seller typed them, minus surrounding blanks ML sometimes keeps.
    if code is None:
        return None
    code = code.strip()
    return code or None


def count_by_state(links: Iterable[Link]) -> dict[str, int]:
    """Counts of links by state, every state present (zeros included), in §6 order."""
    counts = {state.value: 0 for state in LinkState}
    for link in links:
        counts[link.state.value] += 1
    return counts
