"""Mercado Livre's own kits ("Kits virtuais", docs/mercado-livre-api.md §6.8): a User Products listing tagged
`bundle` whose stock Mercado Livre computes from the stock of
2..6 component products (at most 10 units of each); a kit sale arrives as one order per component, each tagged
`bundle_component`, sharing a pack. And the sandbox-only sale (`sell`), used by the control route and the hook
that sells right before the next write lands (`sell_before_next_write`)."""

from __future__ import annotations

from sandbox.errors import ApiError, not_found, validation_error
from sandbox.items import apply_stock_status, sku_of
from sandbox.world import World

KIT_TAG = "bundle"
COMPONENT_TAG = "bundle_component"


class KitsMixin(World):
    def _init_kits(self) -> None:
        self.kits: dict[str, list[dict]] = {}  # kit item id -> [{"item_id", "variation_id", "quantity"}]
        self._sale_before_write: list[dict] = []  # sales to make right before the next matching write
        self._next_pack = 2_000_005_000_000_000

    # -- building ----------------------------------------------------------------------------------------

    def add_kit(
        self,
        title: str,
        components: list[dict],
        price: float = 149.9,
        *,
        sku: str | None = None,
        listing_type: str = "gold_special",
    ) -> str:
        """A kit listing: `components` = `[{"item_id": ..., "variation_id": None, "quantity": 2}, ...]` (2 to 6,
        1 to 10 units each). Its stock is computed from the components' stock; returns the kit's id."""
        with self.lock:
            if not 2 <= len(components) <= 6:
                raise ValueError("a kit has 2 to 6 components")
            parts = []
            for part in components:
                item = self.items[part["item_id"]]
                variation_id = part.get("variation_id")
                if item["variations"] and variation_id is None:
                    raise ValueError(f"{part['item_id']} has variations: say which one is the component")
                if not 1 <= int(part.get("quantity", 1)) <= 10:
                    raise ValueError("a kit holds 1 to 10 units of each component")
                parts.append(
                    {"item_id": item["id"], "variation_id": variation_id, "quantity": int(part.get("quantity", 1))}
                )
            kit_id = self.add_listing(title, price, 0, sku=sku, listing_type=listing_type)
            kit = self.items[kit_id]
            kit["tags"] = kit["tags"] + [KIT_TAG, "user_product_listing"]
            self.kits[kit_id] = parts
            self._refresh_kits()
            return kit_id

    def _component_stock(self, part: dict) -> int:
        item = self.items[part["item_id"]]
        if part["variation_id"] is None:
            return item["available_quantity"] if item["status"] == "active" else 0
        variation = next((v for v in item["variations"] if v["id"] == part["variation_id"]), None)
        return variation["available_quantity"] if variation and item["status"] == "active" else 0

    def _refresh_kits(self) -> None:
        """Mercado Livre recomputes each kit's stock from its components (how many whole kits they make)."""
        for kit_id, parts in getattr(self, "kits", {}).items():
            kit = self.items[kit_id]
            quantity = min(self._component_stock(p) // p["quantity"] for p in parts)
            if kit["available_quantity"] != quantity:
                kit["available_quantity"] = quantity
                apply_stock_status(kit)
                kit["last_updated"] = self.iso()

    def is_kit(self, item_id: str) -> bool:
        return item_id in getattr(self, "kits", {})

    # -- selling (tests, the demo, the control route) -----------------------------------------------------

    def find_by_code(self, code: str) -> tuple[str, int | None]:
        """The active listing (or variation) carrying `code` (SELLER_SKU or seller_custom_field) with stock."""
        with self.lock:
            found = []
            for item_id in self._order:
                item = self.items[item_id]
                for variation in item["variations"]:
                    if code in (sku_of(variation.get("attributes")), variation.get("seller_custom_field")):
                        found.append((item, variation["id"], variation["available_quantity"]))
                if not item["variations"] and code in (sku_of(item.get("attributes")), item.get("seller_custom_field")):
                    found.append((item, None, item["available_quantity"]))
            if not found:
                raise ApiError(404, "not_found", f"No listing carries the reference code {code}")
            found.sort(key=lambda f: (f[0]["status"] != "active", f[2] <= 0))
            return found[0][0]["id"], found[0][1]

    def sell(
        self,
        item_id: str | None = None,
        variation_id: int | None = None,
        quantity: int = 1,
        *,
        code: str | None = None,
        buyer: dict | None = None,
        status: str = "paid",
    ) -> list[dict]:
        """A buyer buys `quantity` units on the site -> the orders Mercado Livre makes (one; for a kit, one
        per component, tagged `bundle_component`, sharing a pack), in `status` (paid; or confirmed and waiting
        for the payment, holding the units). Raises ApiError for what a buyer can't buy."""
        with self.lock:
            if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
                raise ApiError(400, "bad_request", "quantity must be a whole number >= 1")
            if code:
                item_id, variation_id = self.find_by_code(code)
            if not item_id or item_id not in self.items:
                raise not_found(f"Item with id {item_id}")
            try:
                if item_id not in self.kits:
                    return [self.create_order(item_id, variation_id, quantity, buyer=buyer, status=status)]
                kit = self.items[item_id]
                if kit["status"] != "active" or kit["available_quantity"] < quantity:
                    raise ValueError(f"only {kit['available_quantity']} kit(s) in stock")
                self._next_pack += 1
                buyer = self.make_buyer(**(buyer or {}))
                orders = []
                for part in self.kits[item_id]:
                    order = self.create_order(
                        part["item_id"],
                        part["variation_id"],
                        part["quantity"] * quantity,
                        buyer=buyer,
                        pack_id=self._next_pack,
                        tags=(COMPONENT_TAG,),
                        carry_sku=False,
                        status=status,
                    )
                    orders.append(order)
                return orders
            except ValueError as exc:
                raise validation_error("item.not_purchasable", str(exc)) from None

    def sell_before_next_write(
        self,
        item_id: str | None = None,
        variation_id: int | None = None,
        quantity: int = 1,
        *,
        code: str | None = None,
        path_prefix: str | None = None,
        status: str = "paid",
    ) -> None:
        """Sandbox hook: the next write (PUT/POST, matching `path_prefix` if given) lands right after this sale,
        as when a buyer pays between melisync's read and its write."""
        with self.lock:
            self._sale_before_write.append(
                {
                    "item_id": item_id,
                    "variation_id": variation_id,
                    "quantity": quantity,
                    "code": code,
                    "path_prefix": path_prefix,
                    "status": status,
                }
            )

    def before_write(self, method: str, path: str) -> None:
        """Called by the front door before a write is handled: makes a pending `sell_before_next_write` sale."""
        if method not in ("PUT", "POST") or path.startswith(("/oauth", "/authorization", "/_sandbox")):
            return
        with self.lock:
            for pending in self._sale_before_write:
                if pending["path_prefix"] and not path.startswith(pending["path_prefix"]):
                    continue
                self._sale_before_write.remove(pending)
                self.sell(
                    pending["item_id"],
                    pending["variation_id"],
                    pending["quantity"],
                    code=pending["code"],
                    status=pending["status"],
                )
                return
