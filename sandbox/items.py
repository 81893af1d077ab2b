"""Listings: building them, the seller's changes on the site, search (offset and scan) and multiget
(docs/mercado-livre-api.md §3-§5), and the rules every path shares (Full, stock 0 pauses). Writes: `item_writes.py`."""

from __future__ import annotations

import copy
import secrets

from sandbox.errors import ApiError, not_found, validation_error
from sandbox.render import parse_fields, render_item, render_variation
from sandbox.world import World

SELLER_SKU = "SELLER_SKU"
MAX_MULTIGET = 20
MAX_LIMIT = 100
MAX_OFFSET_WINDOW = 1000
ATTRIBUTE_IDS = {"Cor": "COLOR", "Tamanho": "SIZE", "Voltagem": "VOLTAGE", "Sabor": "FLAVOR", "Modelo": "MODEL"}


def sku_of(attributes: list[dict] | None) -> str | None:
    """The SELLER_SKU value in an attributes list ("Código de referência")."""
    for attribute in attributes or ():
        if attribute.get("id") == SELLER_SKU:
            return attribute.get("value_name")
    return None


def int_param(params: dict, name: str, default: int) -> int:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, "bad_request", f"{name} must be an integer") from None
    if value < 0:
        raise ApiError(400, "bad_request", f"{name} must be positive")
    return value


def quantity_of(value: object, code: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise validation_error(code.replace("not_modifiable", "invalid"), "available_quantity must be an integer >= 0")
    return value


def merge_attributes(current: list[dict], changes: object, replace: bool = False) -> list[dict]:
    """Attributes in a PUT update or add by id; a null value removes one (docs/mercado-livre-api.md §7). With `replace` (the
    sandbox's strict reading of the attributes page) the list sent is the new list: what it leaves out is gone."""
    if not isinstance(changes, list) or not all(isinstance(a, dict) and a.get("id") for a in changes):
        raise validation_error("item.attributes.invalid", "attributes must be a list of objects with an id")
    merged = [] if replace else [dict(a) for a in current]
    names = {a.get("id"): a.get("name") for a in current}
    for change in changes:
        merged = [a for a in merged if a.get("id") != change["id"]]
        if change.get("value_name") is None and change.get("value_id") is None:
            continue
        merged.append(
            {
                "id": change["id"],
                "name": change.get("name", names.get(change["id"]) or change["id"]),
                "value_id": change.get("value_id"),
                "value_name": change.get("value_name"),
            }
        )
    return merged


def is_full(item: dict) -> bool:
    """Full (fulfillment): the stock lives in ML's warehouses and the API can't write it (docs/mercado-livre-api.md §6.5)."""
    return item["shipping"].get("logistic_type") == "fulfillment" and (
        item.get("inventory_id") is not None or any(v.get("inventory_id") for v in item["variations"])
    )


def apply_stock_status(item: dict) -> None:
    """Stock 0 pauses (out_of_stock); stock back reactivates, unless the seller paused it (docs/mercado-livre-api.md §6.2)."""
    if item["condition"] != "new" or item["listing_type_id"] == "free":
        return
    if item["available_quantity"] == 0 and item["status"] == "active":
        item["status"] = "paused"
        item["sub_status"] = ["out_of_stock"]
    elif (
        item["available_quantity"] > 0
        and item["status"] == "paused"
        and "out_of_stock" in item["sub_status"]
        and "paused_by_seller" not in item["sub_status"]
    ):
        item["status"] = "active"
        item["sub_status"] = []


class ItemsMixin(World):
    def _init_items(self) -> None:
        self.items: dict[str, dict] = {}
        self._order: list[str] = []
        self._by_sku: dict[str, list[str]] = {}  # item-level SELLER_SKU -> listing ids
        self._by_custom_field: dict[str, list[str]] = {}  # seller_custom_field -> listing ids
        self._indexed: dict[str, tuple[str | None, str | None]] = {}
        self._scrolls: dict[str, dict] = {}
        self.deleted_variations: list[tuple[str, int]] = []  # (listing id, variation id) removed by a PUT
        self._next_item = 4_100_000_000 + 1_000_000 * (self.seed % 50)
        self._next_variation = 180_000_000_000  # > 2^32 like ML's
        self._next_user_product = 3_900_000_000

    # -- building (generator and tests) ---------------------------------------------------------------

    def _new_item_id(self) -> str:
        self._next_item += 7
        return f"MLB{self._next_item}"

    def _new_variation_id(self) -> int:
        self._next_variation += 13
        return self._next_variation

    def _new_user_product_id(self) -> str:
        self._next_user_product += 11
        return f"MLBU{self._next_user_product}"

    def _make_variation(self, spec: dict, price: float, full: bool) -> dict:
        combos = [
            {"id": ATTRIBUTE_IDS.get(name, name.upper()), "name": name, "value_id": None, "value_name": value}
            for name, value in (spec.get("attributes") or {}).items()
        ]
        attributes = (
            [{"id": SELLER_SKU, "name": "SKU", "value_id": None, "value_name": spec["sku"]}] if spec.get("sku") else []
        )
        return {
            "id": self._new_variation_id(),
            "price": price,
            "attribute_combinations": combos,
            "available_quantity": int(spec.get("quantity", 0)),
            "sold_quantity": int(spec.get("sold_quantity", 0)),
            "picture_ids": [],
            "seller_custom_field": spec.get("seller_custom_field"),
            "catalog_product_id": None,
            "inventory_id": f"INV{secrets.token_hex(4).upper()}" if full else None,
            "item_relations": [],
            "user_product_id": self._new_user_product_id(),
            "attributes": attributes,
        }

    def add_listing(
        self,
        title: str,
        price: float = 99.9,
        quantity: int = 10,
        *,
        sku: str | None = None,
        seller_custom_field: str | None = None,
        variations: list[dict] | None = None,
        listing_type: str = "gold_special",
        full: bool = False,
        status: str = "active",
        sold_quantity: int = 0,
        condition: str = "new",
        family_name: str | None = None,
        user_product_id: str | None = None,
        item_id: str | None = None,
    ) -> str:
        """Put a listing on the seller's account, as if created on the ML site; returns its id.

        `variations`: `[{"attributes": {"Cor": "Azul"}, "quantity": 3, "sku": "X-AZ", "seller_custom_field": None,
        "sold_quantity": 0}, ...]`; `sku` is the item-level SELLER_SKU; `full` makes it a Full (fulfillment) listing.
        """
        with self.lock:
            item_id = item_id or self._new_item_id()
            price = float(price)
            built = [self._make_variation(v, price, full) for v in variations or ()]
            total = sum(v["available_quantity"] for v in built) if built else int(quantity)
            slug = "-".join(title.lower().split())[:60]
            item = {
                "id": item_id,
                "site_id": "MLB",
                "title": title,
                "family_name": family_name,
                "family_id": None,
                "seller_id": self.seller["id"],
                "category_id": "MLB1234",
                "user_product_id": user_product_id or (None if built else self._new_user_product_id()),
                "price": price,
                "base_price": price,
                "original_price": None,
                "inventory_id": f"INV{secrets.token_hex(4).upper()}" if full and not built else None,
                "currency_id": "BRL",
                "initial_quantity": total,
                "available_quantity": total,
                "sold_quantity": int(sold_quantity) + sum(v["sold_quantity"] for v in built),
                "listing_type_id": listing_type,
                "condition": condition,
                "permalink": f"https://produto.mercadolivre.com.br/MLB-{item_id[3:]}-{slug}-_JM",
                "thumbnail": f"http://http2.mlstatic.com/D_{item_id}-I.jpg",
                "pictures": [],
                "shipping": {
                    "mode": "me2",
                    "logistic_type": "fulfillment" if full else "drop_off",
                    "free_shipping": price >= 79,
                    "tags": [],
                },
                "attributes": [{"id": "BRAND", "name": "Marca", "value_id": None, "value_name": "Genérica"}]
                + ([{"id": SELLER_SKU, "name": "SKU", "value_id": None, "value_name": sku}] if sku else []),
                "variations": built,
                "status": status,
                "sub_status": [],
                "tags": ["good_quality_thumbnail"],
                "catalog_product_id": None,
                "seller_custom_field": seller_custom_field,
                "catalog_listing": False,
                "channels": ["marketplace"],
                "date_created": self.iso(),
                "last_updated": self.iso(),
            }
            if family_name is not None:
                item["tags"].append("user_product_listing")
            apply_stock_status(item)
            self.items[item_id] = item
            self._order.append(item_id)
            self._reindex(item)
            self._index_holders(item)
            return item_id

    def _reindex(self, item: dict) -> None:
        old_sku, old_field = self._indexed.get(item["id"], (None, None))
        new_sku, new_field = sku_of(item["attributes"]), item.get("seller_custom_field")
        for index, old, new in ((self._by_sku, old_sku, new_sku), (self._by_custom_field, old_field, new_field)):
            if old == new:
                continue
            if old is not None and item["id"] in index.get(old, ()):
                index[old].remove(item["id"])
            if new is not None:
                index.setdefault(new, []).append(item["id"])
        self._indexed[item["id"]] = (new_sku, new_field)

    # -- control methods for tests (what the seller or ML would do on the site) ------------------------

    def item(self, item_id: str) -> dict:
        """A deep copy of a listing as stored (variation attributes included)."""
        with self.lock:
            return copy.deepcopy(self.items[item_id])

    def listing_ids(self) -> list[str]:
        with self.lock:
            return list(self._order)

    def variation_ids(self, item_id: str) -> list[int]:
        with self.lock:
            return [v["id"] for v in self.items[item_id]["variations"]]

    def find_variation(self, item_id: str, variation_id: int) -> dict:
        with self.lock:
            for variation in self.items[item_id]["variations"]:
                if variation["id"] == int(variation_id):
                    return copy.deepcopy(variation)
            raise KeyError(variation_id)

    def set_reference_code(
        self, item_id: str, code: str | None, variation_id: int | None = None, field: str = SELLER_SKU
    ) -> None:
        """Change a listing's (or variation's) reference code as the seller does on the ML site.
        `field` is "SELLER_SKU" (the attribute) or "seller_custom_field" (the legacy field)."""
        with self.lock:
            item = self.items[item_id]
            target = item if variation_id is None else next(v for v in item["variations"] if v["id"] == variation_id)
            if field == SELLER_SKU:
                target["attributes"] = merge_attributes(
                    target.get("attributes", []), [{"id": SELLER_SKU, "name": "SKU", "value_name": code}]
                )
            else:
                target["seller_custom_field"] = code
            item["last_updated"] = self.iso()
            self._reindex(item)

    def set_stock(self, item_id: str, quantity: int, variation_id: int | None = None) -> None:
        """Change stock as the seller would on the site (bypasses the Full rule; applies pause/reactivate)."""
        with self.lock:
            item = self.items[item_id]
            if variation_id is None:
                item["available_quantity"] = quantity
            else:
                next(v for v in item["variations"] if v["id"] == variation_id)["available_quantity"] = quantity
                item["available_quantity"] = sum(v["available_quantity"] for v in item["variations"])
            apply_stock_status(item)
            self._after_stock_change(item, variation_id)

    def make_full(self, item_id: str) -> None:
        """Turn a listing into Full (fulfillment): its stock becomes read-only through the API."""
        with self.lock:
            item = self.items[item_id]
            item["shipping"]["logistic_type"] = "fulfillment"
            if item["variations"]:
                for variation in item["variations"]:
                    variation["inventory_id"] = variation["inventory_id"] or f"INV{secrets.token_hex(4).upper()}"
            else:
                item["inventory_id"] = item["inventory_id"] or f"INV{secrets.token_hex(4).upper()}"

    def pause_by_seller(self, item_id: str) -> None:
        with self.lock:
            item = self.items[item_id]
            item["status"] = "paused"
            item["sub_status"] = sorted(set(item["sub_status"]) | {"paused_by_seller"})

    def close_listing(self, item_id: str) -> None:
        with self.lock:
            self.items[item_id]["status"] = "closed"
            self.items[item_id]["sub_status"] = []

    # -- reading ---------------------------------------------------------------------------------------

    def _owned(self, item_id: str, caller: tuple[int, str] | None) -> dict:
        item = self.items.get(item_id)
        if item is None:
            raise not_found(f"Item with id {item_id}")
        if caller is not None and item["seller_id"] != caller[0]:
            raise ApiError(403, "forbidden", "access to the requested resource is forbidden")
        return item

    def get_item(self, item_id: str, caller: tuple[int, str] | None, params: dict) -> dict:
        with self.lock:
            item = self._owned(item_id, None)
            return render_item(
                item,
                fields=parse_fields(params.get("attributes")),
                include_attributes=params.get("include_attributes") == "all",
                owner=caller is not None and caller[0] == item["seller_id"],
            )

    def multiget(self, params: dict, caller: tuple[int, str] | None, bulk: bool) -> tuple[list[dict], list[str]]:
        """`GET /items?ids=` (`[{code, body}]`) or `GET /items/bulk?ids=` (`[{id, status_code, body}]`), and the
        ids answered with a fault (`fail_in_multiget`: the whole answer is then 206, X-Content-Missing).

        /items/bulk leaves variation attributes (their SELLER_SKU) out even with include_attributes=all unless
        lenient `bulk_variation_attributes`: no page says bulk honours it (docs/mercado-livre-api.md §4)."""
        ids = [i for i in (params.get("ids") or "").split(",") if i.strip()]
        if not ids:
            raise ApiError(400, "bad_request", "ids is required")
        if len(ids) > MAX_MULTIGET:
            raise ApiError(400, "bad_request", f"Maximum number of ids per request is {MAX_MULTIGET}")
        fields = parse_fields(params.get("attributes"), "body." if bulk else "")
        include = params.get("include_attributes") == "all"
        variation_attributes = include and (not bulk or "bulk_variation_attributes" in self.lenient)
        out, missing = [], []
        with self.lock:
            for item_id in (i.strip() for i in ids):
                item = self.items.get(item_id)
                fault = self.multiget_fault(item_id) if item is not None else None
                if fault is not None:
                    missing.append(item_id)
                    status = fault
                    body = ApiError(
                        fault,
                        message="access to the requested resource is forbidden"
                        if fault == 403
                        else "internal error reading this item",
                    ).body()
                elif item is None:
                    status, body = 404, not_found(f"Item with id {item_id}").body()
                else:
                    status = 200
                    body = render_item(
                        item,
                        fields=fields,
                        include_attributes=include,
                        variation_attributes=variation_attributes,
                        owner=caller is not None and caller[0] == item["seller_id"],
                    )
                out.append(
                    {"id": item_id, "status_code": status, "body": body} if bulk else {"code": status, "body": body}
                )
        return out, missing

    def get_variations(
        self, item_id: str, caller: tuple[int, str] | None, params: dict, variation_id: int | None = None
    ) -> dict | list[dict]:
        with self.lock:
            item = self._owned(item_id, None)
            owner = caller is not None and caller[0] == item["seller_id"]
            include = params.get("include_attributes") == "all"
            variations = item["variations"]
            if variation_id is not None:
                variations = [v for v in variations if v["id"] == variation_id]
                if not variations:
                    raise not_found(f"Variation {variation_id}")
                return render_variation(variations[0], include_attributes=include, owner=owner)
            return [render_variation(v, include_attributes=include, owner=owner) for v in variations]

    def search(self, user_id: int, caller: tuple[int, str], params: dict) -> dict:
        """`GET /users/{id}/items/search`: ids only, offset paging up to 1000, or scan with a scroll_id."""
        with self.lock:
            if caller[0] != user_id:
                raise ApiError(403, "forbidden", "access to the requested resource is forbidden")
            if params.get("scroll_id") and params.get("limit") not in (None, "") and "scroll_limit" not in self.lenient:
                # The scan FAQ: do not combine scroll_id with offset or limit (docs/mercado-livre-api.md §3).
                raise ApiError(400, "bad_request", "limit can not be used with scroll_id")
            limit = int_param(params, "limit", 50)
            if limit > MAX_LIMIT:
                raise ApiError(400, "bad_request", f"The limit must be lower or equal than {MAX_LIMIT}")
            if params.get("search_type") == "scan":
                return self._scan(user_id, params, limit)
            offset = int_param(params, "offset", 0)
            if offset + limit > MAX_OFFSET_WINDOW:
                raise ApiError(
                    400, "bad_request", "Offset paging is limited to the first 1000 results; use search_type=scan"
                )
            matches = self._search_ids(params)
            return {
                "seller_id": str(user_id),
                "query": None,
                "paging": {"limit": limit, "offset": offset, "total": len(matches)},
                "results": matches[offset : offset + limit],
                "orders": [{"id": "stop_time_asc", "name": "Order by stop time ascending"}],
                "available_orders": [],
            }

    def _scan(self, user_id: int, params: dict, limit: int) -> dict:
        if params.get("offset"):
            raise ApiError(400, "bad_request", "offset can not be used with search_type=scan")
        scroll_id = params.get("scroll_id")
        if scroll_id:
            scroll = self._scrolls.get(scroll_id)
            if scroll is None or scroll["expires_at"] <= self.now():
                self._scrolls.pop(scroll_id, None)
                raise ApiError(400, "bad_request", "scroll_id is invalid or expired (it lives 5 minutes)")
        else:
            scroll_id = secrets.token_urlsafe(24)
            scroll = {"ids": self._search_ids(params), "position": 0, "limit": limit}
            self._scrolls[scroll_id] = scroll
        scroll["expires_at"] = self.now() + self.scroll_ttl
        if params.get("limit") in (None, ""):
            limit = scroll["limit"]  # later pages keep the first call's page size
        page = scroll["ids"][scroll["position"] : scroll["position"] + limit]
        scroll["position"] += len(page)
        return {
            "seller_id": str(user_id),
            "query": None,
            "scroll_id": scroll_id,
            "paging": {"limit": limit, "total": len(scroll["ids"])},
            "results": page,
            "orders": [{"id": "stop_time_asc", "name": "Order by stop time ascending"}],
            "available_orders": [],
        }

    def _search_ids(self, params: dict) -> list[str]:
        if params.get("seller_sku"):
            candidates = list(self._by_sku.get(params["seller_sku"], ()))
        elif params.get("sku"):
            candidates = list(self._by_custom_field.get(params["sku"], ()))
        else:
            candidates = self._order
        statuses = set(params["status"].split(",")) if params.get("status") else None
        ups = set(params["user_product_id"].split(",")) if params.get("user_product_id") else None
        listing_type = params.get("listing_type_id")
        if statuses is None and ups is None and listing_type is None:
            return list(candidates)
        out = []
        for item_id in candidates:
            item = self.items[item_id]
            if statuses is not None and item["status"] not in statuses:
                continue
            if (
                ups is not None
                and item["user_product_id"] not in ups
                and not any(v["user_product_id"] in ups for v in item["variations"])
            ):
                continue
            if listing_type is not None and item["listing_type_id"] != listing_type:
                continue
            out.append(item_id)
        return out

    # hooks the User Products mixin (sandbox/user_products.py) fills in
    def _check_not_migrating(self, item: dict) -> None:  # pragma: no cover - overridden
        pass

    def _after_stock_change(self, item: dict, variation_id: int | None) -> None:  # pragma: no cover - overridden
        pass

    def _index_holders(self, item: dict) -> None:  # pragma: no cover - overridden
        pass
