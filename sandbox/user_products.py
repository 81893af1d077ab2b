"""Sellers of 2026 (docs/mercado-livre-api.md §6.5, §6.6): User Products families (one listing per variant, stock shared by
every listing of a user_product_id), the UPtin migration of legacy listings, and multi-origin stock
(`warehouse_management`) written only through `/user-products/{id}/stock` with `x-version`."""

from __future__ import annotations

import collections
import copy
from typing import Any

from sandbox.errors import ApiError, not_found, validation_error
from sandbox.items import apply_stock_status, sku_of
from sandbox.world import World

UP_STOCK_RPM = 100  # documented limit of the /user-products/{id}/stock resource
FAMILY_ID_BASE = 18_446_744_000_000_000_000  # family ids can exceed int64 (docs/mercado-livre-api.md §5)


class UserProductsMixin(World):
    def _init_user_products(self) -> None:
        self._holders: dict[str, set[tuple[str, int | None]]] = {}  # user_product_id -> (item, variation)
        self._up_stock: dict[str, dict] = {}  # user_product_id -> {"version": int, "locations": [...]}
        self._up_calls: dict[str, collections.deque] = {}  # app -> times of stock calls (100 RPM)
        self.migrations: dict[str, dict] = {}  # old item id -> {"new_items": [...], "completed": bool}
        self._next_family = 0
        self._families: dict[str, dict] = {}  # family_id -> {"name", "user_products_ids"}
        self.up_stock_rpm = UP_STOCK_RPM
        self.stores = [
            {"id": f"{7_700_000 + n}", "network_node_id": f"BRSP0{n + 1}", "description": f"Depósito {n + 1}"}
            for n in range(self.warehouses)
        ]

    # -- building --------------------------------------------------------------------------------------

    def add_family(
        self,
        family_name: str,
        variants: list[dict],
        price: float = 99.9,
        *,
        listing_types: tuple[str, ...] = ("gold_special",),
        full: bool = False,
        status: str = "active",
    ) -> list[str]:
        """User Products listings: one listing per variant (per listing type), grouped by `family_name`.
        Listings of one variant share a user_product_id and therefore their stock. Returns the listing ids.
        `variants`: `[{"attributes": {"Cor": "Azul"}, "quantity": 3, "sku": "X", "seller_custom_field": None}]`."""
        with self.lock:
            self._next_family += 1
            family_id = str(FAMILY_ID_BASE + self._next_family * 97)
            ids = []
            up_ids = []
            for variant in variants:
                up_id = self._new_user_product_id()
                up_ids.append(up_id)
                title = " ".join([family_name, *(variant.get("attributes") or {}).values()])
                for listing_type in listing_types:
                    item_id = self.add_listing(
                        title,
                        price,
                        variant.get("quantity", 0),
                        sku=variant.get("sku"),
                        seller_custom_field=variant.get("seller_custom_field"),
                        listing_type=listing_type,
                        full=full,
                        status=status,
                        family_name=family_name,
                        user_product_id=up_id,
                    )
                    self.items[item_id]["family_id"] = family_id
                    self.items[item_id]["attributes"] += [
                        {"id": k.upper(), "name": k, "value_id": None, "value_name": v}
                        for k, v in (variant.get("attributes") or {}).items()
                    ]
                    ids.append(item_id)
            self._families[family_id] = {"name": family_name, "user_products_ids": up_ids}
            return ids

    def _add_as_user_products(self, spec: dict) -> None:
        """A catalogue entry for a User Products seller: listings with variations become families, simple
        listings sharing a reference code share one user product (classic + premium)."""
        if spec.get("variations"):
            self.add_family(
                spec["title"],
                spec["variations"],
                spec.get("price", 99.9),
                listing_types=(spec.get("listing_type", "gold_special"),),
                full=spec.get("full", False),
            )
            return
        sku = spec.get("sku")
        twin = next((self.items[i] for i in self._by_sku.get(sku, ())), None) if sku else None
        if twin is not None and twin["family_name"] is not None:
            spec = {**spec, "quantity": twin["available_quantity"]}
        item_id = self.add_listing(
            **spec,
            family_name=twin["family_name"] if twin else spec["title"],
            user_product_id=twin["user_product_id"] if twin else None,
        )
        if twin is not None:
            self.items[item_id]["family_id"] = twin["family_id"]
        else:
            self._next_family += 1
            family_id = str(FAMILY_ID_BASE + self._next_family * 97)
            self.items[item_id]["family_id"] = family_id
            self._families[family_id] = {
                "name": spec["title"],
                "user_products_ids": [self.items[item_id]["user_product_id"]],
            }

    def _index_holders(self, item: dict) -> None:
        if item["variations"]:
            for variation in item["variations"]:
                self._holders.setdefault(variation["user_product_id"], set()).add((item["id"], variation["id"]))
        elif item["user_product_id"]:
            self._holders.setdefault(item["user_product_id"], set()).add((item["id"], None))

    def _holders_of(self, up_id: str) -> list[tuple[dict, dict]]:
        """Every listing (or variation) carrying `up_id` today (stale index entries are skipped)."""
        found = []
        for item_id, variation_id in sorted(self._holders.get(up_id, ()), key=str):
            item = self.items.get(item_id)
            if item is None or "variations_migration_source" in item["tags"]:
                continue  # a migrated legacy listing no longer carries the stock
            holder = (
                item if variation_id is None else next((v for v in item["variations"] if v["id"] == variation_id), None)
            )
            if holder is not None and holder.get("user_product_id") == up_id:
                found.append((item, holder))
        return found

    # -- shared stock and migration hooks (called by the items and orders code) --------------------------

    def _check_not_migrating(self, item: dict) -> None:
        if item.get("_migrating"):
            raise not_found(f"Item with id {item['id']}")  # ML answers 404 while a migration runs

    def _after_stock_change(self, item: dict, variation_id: int | None) -> None:
        holders = (
            [item]
            if not item["variations"]
            else [v for v in item["variations"] if variation_id is None or v["id"] == variation_id]
        )
        for holder in holders:
            up_id = holder.get("user_product_id")
            if not up_id:
                continue
            if up_id in self._up_stock:
                self._reconcile_locations(up_id, holder["available_quantity"])
            if item["family_name"] is not None:
                self._spread(up_id, holder["available_quantity"], source=item["id"])
        self._refresh_kits()

    def _spread(self, up_id: str, quantity: int, source: str | None = None) -> None:
        """Every listing of a user product shows the same stock (ML syncs them, docs/mercado-livre-api.md §6.2)."""
        for item, holder in self._holders_of(up_id):
            if item["id"] == source and holder is item:
                continue
            holder["available_quantity"] = quantity
            if holder is not item:
                item["available_quantity"] = sum(v["available_quantity"] for v in item["variations"])
            apply_stock_status(item)
            item["last_updated"] = self.iso()
        self._refresh_kits()

    # -- UPtin migration -------------------------------------------------------------------------------

    def migrate_listing(self, item_id: str, complete: bool = True) -> list[str]:
        """The UPtin migration of a legacy listing with variations: one new listing per variation (SKU carried
        over, starting paused with `variations_migration_pending`); writes to old and new answer 404 until
        `complete_migration`. With `complete=True` (default) it finishes at once. Returns the new ids."""
        with self.lock:
            old = self.items[item_id]
            if not old["variations"] or old.get("family_name") is not None:
                raise ValueError(f"{item_id} is not a legacy listing with variations")
            old["tags"] = old["tags"] + ["variations_migration_source"]
            old["_migrating"] = True
            new_items = []
            family = old["title"]
            for variation in old["variations"]:
                values = [c["value_name"] for c in variation["attribute_combinations"]]
                new_id = self.add_listing(
                    " ".join([family, *values]),
                    old["price"],
                    variation["available_quantity"],
                    sku=sku_of(variation.get("attributes")),
                    seller_custom_field=variation.get("seller_custom_field"),
                    listing_type=old["listing_type_id"],
                    status="paused",
                    full=variation.get("inventory_id") is not None,
                    family_name=family,
                    user_product_id=variation["user_product_id"],
                )
                new = self.items[new_id]
                new["tags"] += ["variations_migration_uptin", "variations_migration_pending"]
                new["sub_status"] = []
                new["_migrating"] = True
                new["attributes"] += copy.deepcopy(variation["attribute_combinations"])
                new_items.append({"new_item_id": new_id, "variation_id": variation["id"]})
            self.migrations[item_id] = {"new_items": new_items, "completed": False}
            if complete:
                self.complete_migration(item_id)
            return [n["new_item_id"] for n in new_items]

    def complete_migration(self, item_id: str) -> None:
        """The migration finishes: the old listing ends closed, the new ones are activated (stock allowing)."""
        with self.lock:
            old = self.items[item_id]
            old["status"], old["sub_status"], old["_migrating"] = "closed", [], False
            for entry in self.migrations[item_id]["new_items"]:
                new = self.items[entry["new_item_id"]]
                new["_migrating"] = False
                new["tags"] = [t for t in new["tags"] if t != "variations_migration_pending"]
                new["status"] = "active" if new["available_quantity"] > 0 else "paused"
                new["sub_status"] = [] if new["available_quantity"] > 0 else ["out_of_stock"]
            self.migrations[item_id]["completed"] = True

    def migration_live_listing(self, item_id: str) -> dict:
        """`GET /items/{old}/migration_live_listing`."""
        with self.lock:
            migration = self.migrations.get(item_id)
            if migration is None:
                raise not_found(f"Migration of item {item_id}")
            status = "completed" if migration["completed"] else "pending"
            return {
                "item_id": item_id,
                "migration_completed": migration["completed"],
                "activation_completed": migration["completed"],
                "new_items": [{**entry, "migration_status": status} for entry in migration["new_items"]],
            }

    # -- user products and families --------------------------------------------------------------------

    def user_product(self, up_id: str, caller: tuple[int, str]) -> dict:
        with self.lock:
            holders = self._holders_of(up_id)
            if not holders:
                raise not_found(f"User product {up_id}")
            item, holder = holders[0]
            return {
                "id": up_id,
                "name": item["title"],
                "family_id": item.get("family_id"),
                "family_name": item.get("family_name"),
                "user_id": self.seller["id"],
                "site_id": "MLB",
                "attributes": copy.deepcopy(holder.get("attributes", [])),
            }

    def family(self, family_id: str) -> dict:
        with self.lock:
            family = self._families.get(family_id)
            if family is None:
                raise not_found(f"Family {family_id}")
            return {
                "family_id": family_id,
                "name": family["name"],
                "site_id": "MLB",
                "user_id": self.seller["id"],
                "user_products_ids": list(family["user_products_ids"]),
            }

    # -- multi-origin stock (warehouse_management) -----------------------------------------------------

    def count_stock_call(self, app: str | None) -> None:
        """The 100 RPM limit of `/user-products/{id}/stock` (per app, on the sandbox clock)."""
        with self.lock:
            calls = self._up_calls.setdefault(app or "anonymous", collections.deque())
            now = self.now()
            while calls and calls[0] <= now - 60:
                calls.popleft()
            if len(calls) >= self.up_stock_rpm:
                raise ApiError(429, "too_many_requests", "client.id over quota")
            calls.append(now)

    def _stock_record(self, up_id: str) -> dict:
        record = self._up_stock.get(up_id)
        if record is not None:
            return record
        holders = self._holders_of(up_id)
        if not holders:
            raise not_found(f"User product {up_id}")
        item, holder = holders[0]
        quantity = holder["available_quantity"]
        if item["shipping"].get("logistic_type") == "fulfillment":
            locations = [{"type": "meli_facility", "quantity": quantity}]
        elif self.warehouse_management:
            # Only the first store holds this product; another store gets a location on its first PUT.
            store = self.stores[0]
            locations = [
                {
                    "type": "seller_warehouse",
                    "network_node_id": store["network_node_id"],
                    "store_id": store["id"],
                    "quantity": quantity,
                }
            ]
        else:
            locations = [{"type": "selling_address", "quantity": quantity}]
        record = {"version": 1, "locations": locations}
        self._up_stock[up_id] = record
        return record

    def _reconcile_locations(self, up_id: str, quantity: int) -> None:
        """A sale (or a change on the site) moved the listing's stock: take it from the locations."""
        record = self._up_stock[up_id]
        delta = quantity - sum(loc["quantity"] for loc in record["locations"])
        if not delta:
            return
        for location in record["locations"]:
            change = max(delta, -location["quantity"])
            location["quantity"] += change
            delta -= change
            if not delta:
                break
        record["version"] += 1

    def set_locations(self, up_id: str, quantities: dict[str, int]) -> None:
        """Where a user product's stock is, as the seller (or Full inbound) left it: `{store_id: n,
        "meli_facility": m}`; listed locations replace the current ones, the listings show the sum."""
        with self.lock:
            record = self._stock_record(up_id)
            locations: list[dict[str, Any]] = []
            for key, quantity in quantities.items():
                if key == "meli_facility":
                    locations.append({"type": "meli_facility", "quantity": quantity})
                    continue
                store = next(s for s in self.stores if s["id"] == key)
                locations.append(
                    {
                        "type": "seller_warehouse",
                        "network_node_id": store["network_node_id"],
                        "store_id": store["id"],
                        "quantity": quantity,
                    }
                )
            record["locations"] = locations
            record["version"] += 1
            self._spread(up_id, sum(loc["quantity"] for loc in locations))

    def demo_warehouse_cases(self, every: int = 5, other: int = 3, own_next_to_full: int = 2) -> None:
        """For the demo of a multi-warehouse seller: every `every`-th user product also has `other` units in the
        second store, and each Full user product also holds `own_next_to_full` units in the first store."""
        with self.lock:
            if not self.warehouse_management:
                return
            first, second = self.stores[0]["id"], self.stores[-1]["id"]
            seen = 0
            for item_id in list(self._order):
                item = self.items[item_id]
                if self.is_kit(item_id) or item["status"] != "active":
                    continue
                holders = item["variations"] or [item]
                for holder in holders:
                    up_id = holder.get("user_product_id")
                    if not up_id or up_id in self._up_stock:
                        continue
                    quantity = holder["available_quantity"]
                    if item["shipping"].get("logistic_type") == "fulfillment":
                        self.set_locations(up_id, {"meli_facility": quantity, first: own_next_to_full})
                        continue
                    seen += 1
                    if second != first and seen % every == 0:
                        self.set_locations(up_id, {first: quantity, second: other})

    def user_product_stock(self, up_id: str, caller: tuple[int, str]) -> tuple[dict, int]:
        """`GET /user-products/{id}/stock` -> (body, x-version)."""
        with self.lock:
            return self._stock_answer(up_id, self._stock_record(up_id))

    def _stock_answer(self, up_id: str, record: dict) -> tuple[dict, int]:
        return (
            {"locations": copy.deepcopy(record["locations"]), "user_id": self.seller["id"], "id": up_id},
            record["version"],
        )

    def put_warehouse_stock(
        self, up_id: str, location_type: str, body: object, version: str | None, caller: tuple[int, str]
    ) -> tuple[dict, int]:
        """`PUT /user-products/{id}/stock/type/{type}` with `x-version`: 400 without, 409 when stale."""
        with self.lock:
            record = self._stock_record(up_id)
            if location_type == "meli_facility":
                raise validation_error("stock.location.not_modifiable", "meli_facility stock is not editable")
            if location_type == "selling_address":
                raise validation_error(
                    "stock.location.not_modifiable", "the site is blocked for modifications to the selling address"
                )
            if location_type != "seller_warehouse":
                raise ApiError(400, "bad_request", f"unknown location type {location_type}")
            if not self.warehouse_management:
                raise ApiError(400, "bad_request", "the seller does not have warehouse_management")
            if version in (None, ""):
                raise ApiError(400, "bad_request", "Missing X-Version")
            if version != str(record["version"]):
                raise ApiError(409, "conflict", "Version conflict: read the stock again (x-version)")
            if not isinstance(body, dict) or not isinstance(body.get("locations"), list) or not body["locations"]:
                raise ApiError(400, "bad_request", "locations is required")
            mine = {loc.get("store_id"): loc for loc in record["locations"] if loc["type"] == "seller_warehouse"}
            changes = {}
            for entry in body["locations"]:
                store = next((s for s in self.stores if s["id"] == str(entry.get("store_id"))), None)
                if store is None:
                    raise ApiError(400, "bad_request", f"store {entry.get('store_id')} not found or not owned")
                if entry.get("network_node_id") not in (None, store["network_node_id"]):
                    raise ApiError(400, "bad_request", "network_node_id does not belong to the store")
                quantity = entry.get("quantity")
                if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 0:
                    raise ApiError(400, "bad_request", "quantity must be an integer >= 0")
                changes[store["id"]] = quantity
            if len(changes) > 1 and len(self.stores) == 1:
                raise ApiError(
                    400,
                    "bad_request",
                    "seller with a single warehouse cannot update stock across multiple network nodes",
                )
            for store_id, quantity in changes.items():
                if store_id not in mine:
                    # ML creates a store's location for a user product on its first seller_warehouse PUT.
                    store = next(s for s in self.stores if s["id"] == store_id)
                    mine[store_id] = {
                        "type": "seller_warehouse",
                        "network_node_id": store["network_node_id"],
                        "store_id": store_id,
                        "quantity": 0,
                    }
                    record["locations"].append(mine[store_id])
                mine[store_id]["quantity"] = quantity
            record["version"] += 1
            self._spread(up_id, sum(loc["quantity"] for loc in record["locations"]))
            return self._stock_answer(up_id, record)

    def stores_search(self, user_id: int, caller: tuple[int, str], params: dict) -> dict:
        """`GET /users/{id}/stores/search?tags=stock_location`: the seller's warehouses."""
        with self.lock:
            if caller[0] != user_id:
                raise ApiError(403, "forbidden", "access to the requested resource is forbidden")
            stores = self.stores if self.warehouse_management else []
            if params.get("tags") and "stock_location" not in params["tags"].split(","):
                stores = []
            results = [
                {
                    "id": s["id"],
                    "user_id": user_id,
                    "description": s["description"],
                    "status": "active",
                    "network_node_id": s["network_node_id"],
                    "tags": ["stock_location"],
                    "location": {"city": "São Paulo", "state": "SP", "country": "BR"},
                }
                for s in stores
            ]
            return {"paging": {"total": len(results), "offset": 0, "limit": 50}, "results": results}
