"""What every area mixin of `SandboxState` (oauth, items, item_writes, orders, user_products, kits) may use
from the whole state: the knobs and shared fields `SandboxState.__init__` and the `_init_*` methods set, and
the methods one area calls on another.

Only declarations: nothing here exists at run time (the fields are annotations, the methods sit under
TYPE_CHECKING), so the mixins keep working exactly as before; the type checker reads each mixin against
this and checks the real definitions in `SandboxState` match it.
"""

from __future__ import annotations

import random
import threading
from typing import TYPE_CHECKING, Any


class World:
    # -- set by SandboxState.__init__ (sandbox/state.py) ----------------------------------------------
    lock: threading.RLock
    seed: int
    token_ttl: float
    scroll_ttl: float
    auto_approve: bool
    user_products: bool
    warehouse_management: bool
    warehouses: int
    require_pkce: bool
    items_ids_discontinued: bool
    lenient: frozenset[str]
    _random: random.Random
    seller: dict[str, Any]  # {"id": int, "nickname": str, "site_id": str}
    apps: dict[str, dict[str, Any]]  # client id -> {"secret", "redirect_uris"}
    # -- set by ItemsMixin._init_items (sandbox/items.py) ---------------------------------------------
    items: dict[str, dict[str, Any]]
    _order: list[str]
    _by_sku: dict[str, list[str]]
    deleted_variations: list[tuple[str, int]]

    if TYPE_CHECKING:
        # SandboxState (sandbox/state.py)
        def now(self) -> float: ...
        def iso(self, at: float | None = None) -> str: ...
        def multiget_fault(self, item_id: str) -> int | None: ...

        # ItemsMixin (sandbox/items.py)
        def add_listing(
            self,
            title: str,
            price: float = 99.9,
            quantity: int = 10,
            *,
            sku: str | None = None,
            seller_custom_field: str | None = None,
            variations: list[dict[str, Any]] | None = None,
            listing_type: str = "gold_special",
            full: bool = False,
            status: str = "active",
            sold_quantity: int = 0,
            condition: str = "new",
            family_name: str | None = None,
            user_product_id: str | None = None,
            item_id: str | None = None,
        ) -> str: ...
        def _owned(self, item_id: str, caller: tuple[int, str] | None) -> dict[str, Any]: ...
        def _reindex(self, item: dict[str, Any]) -> None: ...
        def _new_user_product_id(self) -> str: ...
        def _make_variation(self, spec: dict[str, Any], price: float, full: bool) -> dict[str, Any]: ...

        # hooks ItemsMixin declares and UserProductsMixin fills in (sandbox/user_products.py)
        def _check_not_migrating(self, item: dict[str, Any]) -> None: ...
        def _after_stock_change(self, item: dict[str, Any], variation_id: int | None) -> None: ...
        def _index_holders(self, item: dict[str, Any]) -> None: ...

        # OrdersMixin (sandbox/orders.py)
        def make_buyer(self, **over: Any) -> dict[str, Any]: ...
        def create_order(
            self,
            item_id: str | None = None,
            variation_id: int | None = None,
            quantity: int = 1,
            *,
            buyer: dict[str, Any] | None = None,
            status: str = "paid",
            pack_id: int | None = None,
            tags: tuple[str, ...] = (),
            carry_sku: bool = True,
            lines: list[tuple[Any, ...]] | None = None,
        ) -> dict[str, Any]: ...

        # KitsMixin (sandbox/kits.py)
        def is_kit(self, item_id: str) -> bool: ...
        def _refresh_kits(self) -> None: ...
