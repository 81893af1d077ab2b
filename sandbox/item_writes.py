"""Writes to listings with ML's harsh semantics (docs/mercado-livre-api.md §6-§7): a `variations` array replaces the set,
Full stock is read-only, stock 0 pauses and stock > 0 reactivates unless the seller paused, closed listings
are frozen, multi-origin sellers' quantities are accepted and ignored. Every PUT is all-or-nothing."""

from __future__ import annotations

import copy

from sandbox.errors import ApiError, not_found, validation_error
from sandbox.items import ATTRIBUTE_IDS, apply_stock_status, is_full, merge_attributes, quantity_of
from sandbox.render import render_item, render_variation
from sandbox.world import World


class ItemWritesMixin(World):
    # -- writing ---------------------------------------------------------------------------------------

    def _writable(self, item_id: str, caller: tuple[int, str]) -> dict:
        item = self._owned(item_id, caller)
        self._check_not_migrating(item)
        if item["status"] == "closed":
            raise validation_error("item.status.not_modifiable", "Item in status closed can not be modified")
        return item

    def update_item(self, item_id: str, body: object, caller: tuple[int, str]) -> dict:
        """`PUT /items/{id}`: all-or-nothing on a working copy; answers the full item (with attributes)."""
        with self.lock:
            item = self._writable(item_id, caller)
            if not isinstance(body, dict) or not body:
                raise ApiError(400, "bad_request", "The body must be a non-empty JSON object")
            new = copy.deepcopy(item)
            ignored_quantity = False
            deleted: list[int] = []
            if "title" in body:
                if new["family_name"] is not None:
                    raise validation_error(
                        "item.title.not_modifiable",
                        "The title of a User Products listing is generated; change family_name instead",
                    )
                if new["sold_quantity"] > 0:
                    raise validation_error("item.title.not_modifiable", "Title can not be modified: the item has sales")
                new["title"] = str(body["title"])
            if "price" in body:
                price = body["price"]
                if isinstance(price, bool) or not isinstance(price, (int, float)) or price <= 0:
                    raise validation_error("item.price.invalid", "price must be a positive number")
                new["price"] = new["base_price"] = float(price)
                for variation in new["variations"]:
                    variation["price"] = float(price)
            if "attributes" in body:
                new["attributes"] = merge_attributes(
                    new["attributes"], body["attributes"], replace=self._attributes_replace
                )
            if "seller_custom_field" in body:
                new["seller_custom_field"] = body["seller_custom_field"]
            if "variations" in body:
                deleted = self._replace_variations(new, body["variations"], ignore_quantities=self.warehouse_management)
                ignored_quantity = self.warehouse_management
            if "available_quantity" in body:
                if is_full(new):
                    raise validation_error(
                        "item.available_quantity.not_modifiable",
                        "Available quantity is not modifiable in fulfillment items",
                    )
                quantity = quantity_of(body["available_quantity"], "item.available_quantity.not_modifiable")
                if new["variations"]:
                    raise validation_error(
                        "item.available_quantity.invalid",
                        "The item has variations: set available_quantity on each variation",
                    )
                if self.warehouse_management or self.is_kit(item_id):
                    # multi-origin: 200 and nothing changes (docs/mercado-livre-api.md §6.5); a kit's stock is
                    # computed from its components (§6.8: the harsher reading of an undocumented write)
                    ignored_quantity = True
                else:
                    new["available_quantity"] = quantity
            if new["variations"]:
                new["available_quantity"] = sum(v["available_quantity"] for v in new["variations"])
            if "status" in body:
                self._change_status(new, body["status"])
            apply_stock_status(new)
            new["last_updated"] = self.iso()
            self.items[item_id] = new  # every check passed: commit
            self.deleted_variations += [(item_id, variation_id) for variation_id in deleted]
            self._reindex(new)
            self._index_holders(new)
            if not ignored_quantity and ("available_quantity" in body or "variations" in body):
                self._after_stock_change(new, None)
            return render_item(self.items[item_id], include_attributes=True)

    @property
    def _attributes_replace(self) -> bool:
        """The attributes page says to send the attributes again so as not to lose them: strictly, the list a
        PUT sends replaces the old one (lenient `attributes_merge`: update and add by id)."""
        return "attributes_merge" not in self.lenient

    def _change_status(self, item: dict, status: object) -> None:
        if status == "paused":
            item["status"] = "paused"
            item["sub_status"] = sorted(set(item["sub_status"]) | {"paused_by_seller"})
        elif status == "active":
            if item["available_quantity"] == 0:
                raise validation_error("item.status.invalid", "An item without stock can not be activated")
            item["status"], item["sub_status"] = "active", []
        elif status == "closed":
            item["status"], item["sub_status"] = "closed", []
        else:
            raise validation_error("item.status.invalid", f"Invalid status: {status}")

    def _replace_variations(self, item: dict, entries: object, ignore_quantities: bool = False) -> list[int]:
        """The `variations` array REPLACES the set (docs/mercado-livre-api.md §6.3): omitted ids are deleted, entries without
        an id become new variations with new ids (the old sales history is gone). Returns the deleted ids."""
        if item["family_name"] is not None:
            raise validation_error("item.variations.invalid", "The field variations is invalid with family name")
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise validation_error("item.variations.invalid", "variations must be a list of objects")
        full = is_full(item)
        current = {v["id"]: v for v in item["variations"]}
        kept, seen = [], set()
        for entry in entries:
            if full and "available_quantity" in entry:
                raise validation_error(
                    "variations.available_quantity.not_modifiable",
                    "Available quantity is not modifiable in fulfillment items",
                )
            if ignore_quantities:  # multi-origin sellers: 200, quantity unchanged (docs/mercado-livre-api.md §6.5)
                entry = {k: v for k, v in entry.items() if k != "available_quantity"}
            if entry.get("id") is None:
                kept.append(self._variation_from_entry(item, entry))
                continue
            try:
                variation = current[int(entry["id"])]
            except (KeyError, TypeError, ValueError):
                raise validation_error(
                    "item.variations.id.invalid", f"Variation {entry['id']} does not exist"
                ) from None
            if variation["id"] in seen:
                raise validation_error("item.variations.id.duplicated", f"Variation {variation['id']} sent twice")
            seen.add(variation["id"])
            self._edit_variation(variation, entry, self._attributes_replace)
            kept.append(variation)
        prices = {v["price"] for v in kept}
        if len(prices) > 1:
            raise validation_error("item.variations.price.invalid", "All variations must have the same price")
        item["variations"] = kept
        return [variation_id for variation_id in current if variation_id not in seen]

    def _variation_from_entry(self, item: dict, entry: dict) -> dict:
        combos = entry.get("attribute_combinations")
        if not isinstance(combos, list) or not combos:
            raise validation_error(
                "item.variations.attribute_combinations.missing", "A new variation needs attribute_combinations"
            )
        variation = self._make_variation({"quantity": 0}, item["price"], is_full(item))
        variation["attribute_combinations"] = [
            {
                "id": c.get("id") or ATTRIBUTE_IDS.get(c.get("name"), str(c.get("name")).upper()),
                "name": c.get("name", c.get("id")),
                "value_id": c.get("value_id"),
                "value_name": c.get("value_name"),
            }
            for c in combos
        ]
        self._edit_variation(variation, entry, self._attributes_replace)
        return variation

    @staticmethod
    def _edit_variation(variation: dict, entry: dict, replace_attributes: bool = True) -> None:
        if "available_quantity" in entry:
            variation["available_quantity"] = quantity_of(
                entry["available_quantity"], "variations.available_quantity.not_modifiable"
            )
        if "price" in entry:
            price = entry["price"]
            if isinstance(price, bool) or not isinstance(price, (int, float)) or price <= 0:
                raise validation_error("item.variations.price.invalid", "price must be a positive number")
            variation["price"] = float(price)
        if "attributes" in entry:
            variation["attributes"] = merge_attributes(
                variation.get("attributes", []), entry["attributes"], replace=replace_attributes
            )
        if "seller_custom_field" in entry:
            variation["seller_custom_field"] = entry["seller_custom_field"]
        if "picture_ids" in entry and isinstance(entry["picture_ids"], list):
            variation["picture_ids"] = list(entry["picture_ids"])

    def update_variation(self, item_id: str, variation_id: int, body: object, caller: tuple[int, str]) -> dict:
        """`PUT /items/{id}/variations/{vid}`: changes that variation only; answers the variation."""
        with self.lock:
            item = self._writable(item_id, caller)
            if not isinstance(body, dict) or not body:
                raise ApiError(400, "bad_request", "The body must be a non-empty JSON object")
            variation = next((v for v in item["variations"] if v["id"] == variation_id), None)
            if variation is None:
                raise not_found(f"Variation {variation_id}")
            if "available_quantity" in body and is_full(item):
                raise validation_error(
                    "variations.available_quantity.not_modifiable",
                    "Available quantity is not modifiable in fulfillment items",
                )
            if "price" in body and body["price"] != variation["price"] and len(item["variations"]) > 1:
                raise validation_error("item.variations.price.invalid", "All variations must have the same price")
            edited = copy.deepcopy(variation)
            if (
                self.warehouse_management
            ):  # multi-origin sellers: 200, quantity unchanged (docs/mercado-livre-api.md §6.5)
                body = {k: v for k, v in body.items() if k != "available_quantity"}
            self._edit_variation(edited, body, self._attributes_replace)
            item["variations"] = [edited if v["id"] == variation_id else v for v in item["variations"]]
            item["available_quantity"] = sum(v["available_quantity"] for v in item["variations"])
            apply_stock_status(item)
            item["last_updated"] = self.iso()
            if "available_quantity" in body:
                self._after_stock_change(item, variation_id)
            return render_variation(edited, include_attributes=True, owner=True)
