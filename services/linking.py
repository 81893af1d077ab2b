"""Pure linking: listings + the ERP catalogue -> one link per listing or variation, with its state.

Rules S6 (link by reference code, a changed code loses the link), S7 (variation level) and S8
(structure mismatch). No I/O here: callers pass in what they read.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class LinkState(StrEnum):
    """architecture.md §6."""

    LINKED = "linked"
    NO_REFERENCE = "no_reference"  # the listing/variation carries no reference code
    UNKNOWN_CODE = "unknown_code"  # the code is not in the ERP
    LINK_LOST = "link_lost"  # the code changed since it was linked (S6): never silently moved
    STRUCTURE_MISMATCH = "structure_mismatch"  # variations on one side only (S8)
    NOT_WRITABLE = "not_writable"  # Full/fulfillment or another reason Mercado Livre gives
    IGNORED = "ignored"  # the operator said so


@dataclass(frozen=True)
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
    reason: str = ""  # why: the previous code for link_lost, ML's message for not_writable, ...
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
