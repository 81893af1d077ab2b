"""Mercado Livre API payloads -> domain objects (ml-api.md §2, §4, §5, §8), and the one multiget adapter.

Parsing is lenient about what may be missing (ML omits fields freely) and strict about ids:
listing ids stay strings, variation and user ids become ints (arbitrary precision), family ids strings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation

from services.meli.models import (
    SELLER_SKU,
    Account,
    Address,
    BillingInfo,
    Listing,
    Order,
    OrderItem,
    StockLocation,
    UserProductStock,
    Variation,
    Warehouse,
)


def account(payload: dict) -> Account:
    """`GET /users/me` -> Account (tags carry the capabilities: user_product_seller, warehouse_management)."""
    return Account(
        user_id=int(payload["id"]),
        nickname=str(payload.get("nickname") or ""),
        site_id=str(payload.get("site_id") or ""),
        tags=tuple(str(t) for t in payload.get("tags") or ()),
    )


def reference_code(attributes: list | None, seller_custom_field: object) -> str | None:
    """The reference code (S6): the SELLER_SKU attribute, falling back to seller_custom_field."""
    for attribute in attributes or ():
        if isinstance(attribute, dict) and attribute.get("id") == SELLER_SKU:
            value = _text(attribute.get("value_name"))
            if value:
                return value
            break
    return _text(seller_custom_field)


def listing(body: dict) -> Listing:
    """An item body (`GET /items/{id}?include_attributes=all` or a multiget element) -> Listing."""
    shipping = body.get("shipping") or {}
    return Listing(
        id=str(body["id"]),
        title=str(body.get("title") or ""),
        price=_decimal(body.get("price")) or Decimal("0"),
        currency_id=str(body.get("currency_id") or ""),
        available_quantity=int(body.get("available_quantity") or 0),
        status=str(body.get("status") or ""),
        sub_status=tuple(str(s) for s in body.get("sub_status") or ()),
        reference_code=reference_code(body.get("attributes"), body.get("seller_custom_field")),
        variations=tuple(variation(v) for v in body.get("variations") or ()),
        logistic_type=_text(shipping.get("logistic_type")),
        inventory_id=_text(body.get("inventory_id")),
        user_product_id=_text(body.get("user_product_id")),
        family_name=_text(body.get("family_name")),
        family_id=_text(body.get("family_id")),
        listing_type_id=_text(body.get("listing_type_id")),
        permalink=_text(body.get("permalink")),
        tags=tuple(str(t) for t in body.get("tags") or ()),
    )


def variation(body: dict) -> Variation:
    """One element of an item's `variations` array (its SELLER_SKU only comes with include_attributes=all)."""
    combination = tuple(
        (str(a.get("name") or a.get("id") or ""), str(a.get("value_name") or ""))
        for a in body.get("attribute_combinations") or ()
        if isinstance(a, dict)
    )
    return Variation(
        id=int(body["id"]),
        attributes=combination,
        reference_code=reference_code(body.get("attributes"), body.get("seller_custom_field")),
        available_quantity=int(body.get("available_quantity") or 0),
        inventory_id=_text(body.get("inventory_id")),
        user_product_id=_text(body.get("user_product_id")),
        price=_decimal(body.get("price")),
    )


@dataclass(frozen=True)
class MultigetEntry:
    """One element of a multiget answer, whatever its shape: the id asked for, its status and its body."""

    item_id: str
    status: int
    body: dict

    @property
    def ok(self) -> bool:
        return self.status == 200


def multiget(payload: list, requested_ids: list[str]) -> list[MultigetEntry]:
    """Both multiget shapes (ml-api.md §4) -> entries in the order asked.

    `/items?ids=` answers `[{"code", "body"}]` (an error body may lack the id, so the position names it);
    `/items/bulk?ids=` answers `[{"status_code", "id", "body"}]`. An id ML left out becomes a 404 entry,
    so nothing asked for disappears silently.
    """
    if not isinstance(payload, list):
        raise ValueError("a multiget answer must be a JSON array")
    entries: dict[str, MultigetEntry] = {}
    for position, element in enumerate(payload):
        if not isinstance(element, dict):
            continue
        body = element.get("body") if isinstance(element.get("body"), dict) else {}
        status = element.get("status_code", element.get("code"))
        item_id = element.get("id") or body.get("id")
        if item_id is None and position < len(requested_ids):
            item_id = requested_ids[position]
        if item_id is None:
            continue
        entries[str(item_id)] = MultigetEntry(str(item_id), int(status or 0), body)
    missing = {"error": "not_returned", "message": "Mercado Livre did not return this listing in the multiget"}
    return [entries.get(i) or MultigetEntry(i, 404, missing) for i in requested_ids]


def order(payload: dict) -> Order:
    """`/orders/search` result or `GET /orders/{id}` -> Order; the buyer may carry only its id (ml-api.md §8.2)."""
    buyer = payload.get("buyer") or {}
    billing = buyer.get("billing_info") if isinstance(buyer.get("billing_info"), dict) else {}
    shipping = payload.get("shipping") or {}
    created = _datetime(payload.get("date_created"))
    updated = _datetime(payload.get("date_last_updated") or payload.get("last_updated")) or created
    return Order(
        id=int(payload["id"]),
        status=str(payload.get("status") or ""),
        date_created=created or datetime.fromtimestamp(0, timezone.utc),
        date_last_updated=updated or datetime.fromtimestamp(0, timezone.utc),
        buyer_id=int(buyer.get("id") or 0),
        items=tuple(order_item(e) for e in payload.get("order_items") or ()),
        billing_info_id=_text(billing.get("id")),
        shipping_id=_int(shipping.get("id")),
        pack_id=_int(payload.get("pack_id")),
        tags=tuple(str(t) for t in payload.get("tags") or ()),
    )


def order_item(element: dict) -> OrderItem:
    item = element.get("item") or {}
    return OrderItem(
        listing_id=str(item.get("id") or ""),
        variation_id=_int(item.get("variation_id")),
        title=str(item.get("title") or ""),
        quantity=int(element.get("quantity") or 0),
        unit_price=_decimal(element.get("unit_price")) or Decimal("0"),
        reference_code=_text(item.get("seller_sku")) or _text(item.get("seller_custom_field")),
    )


def billing_info(payload: dict) -> BillingInfo:
    """`/orders/billing-info/MLB/{id}` -> BillingInfo; fields may be null while ML is still processing them."""
    info = ((payload.get("buyer") or {}).get("billing_info")) or {}
    identification = info.get("identification") or {}
    address = info.get("address") or {}
    state = address.get("state")
    country = address.get("country_id")
    name = " ".join(p for p in (_text(info.get("name")), _text(info.get("last_name"))) if p) or None
    return BillingInfo(
        name=name,
        doc_type=_text(identification.get("type")),
        doc_number=_text(identification.get("number")),
        address=Address(
            street=_text(address.get("street_name")),
            number=_text(address.get("street_number")),
            complement=_text(address.get("comment")),
            neighborhood=_text(_name(address.get("neighborhood"))),
            city=_text(address.get("city_name")) or _text(_name(address.get("city"))),
            state=_text(_name(state)),
            zip_code=_text(address.get("zip_code")),
            country=_text(_name(country)),
        ),
    )


def user_product_stock(payload: dict, user_product_id: str) -> UserProductStock:
    """`GET /user-products/{id}/stock` -> its locations (a quantity ML left out reads as 0)."""
    payload = payload if isinstance(payload, dict) else {}
    locations = tuple(
        StockLocation(type=str(loc.get("type") or ""), quantity=_int(loc.get("quantity")) or 0,
                      store_id=_text(loc.get("store_id")), network_node_id=_text(loc.get("network_node_id")))
        for loc in payload.get("locations") or () if isinstance(loc, dict))
    return UserProductStock(user_product_id=str(payload.get("id") or user_product_id), locations=locations)


def warehouses(payload: dict) -> list[Warehouse]:
    """`GET /users/{id}/stores/search?tags=stock_location` -> the seller's warehouses."""
    payload = payload if isinstance(payload, dict) else {}
    return [Warehouse(store_id=str(store["id"]), network_node_id=_text(store.get("network_node_id")),
                      description=_text(store.get("description")) or "")
            for store in payload.get("results") or () if isinstance(store, dict) and store.get("id") is not None]


def _name(value: object) -> object:
    # ML sends some places as {"id", "name"} and others as plain strings.
    return value.get("name") if isinstance(value, dict) else value


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _int(value: object) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _decimal(value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        # via str: a float like 19.9 must become Decimal("19.9"), not its binary expansion
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _datetime(value: object) -> datetime | None:
    if not value:
        return None
    text = str(value).replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
