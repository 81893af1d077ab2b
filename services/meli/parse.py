"""Mercado Livre API payloads -> domain objects (docs/mercado-livre-api.md §2, §4, §5, §8), and the one multiget adapter.

Parsing is lenient about what may be missing (ML omits fields freely) and strict about ids:
listing ids stay strings, variation and user ids become ints (arbitrary precision), family ids strings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, TypeVar, overload

from services.errors import OperationFailed
from services.i18n import N_, Phrase
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
from services.text import one_copy


class UnexpectedAnswer(OperationFailed, ValueError):
    """Valid JSON of a shape this resource never has (exit 1). A ValueError too, so the callers that report
    one unreadable listing or order instead of stopping keep doing so."""


def expect_object(payload: object, resource: str | Phrase, *, needs: tuple[str, ...] = ()) -> dict[str, Any]:
    """`payload` if it is a JSON object holding `needs`, else UnexpectedAnswer naming the resource."""
    if not isinstance(payload, dict):
        raise UnexpectedAnswer(
            N_(
                "Mercado Livre answered {resource} with {shape} where a JSON object was expected; nothing was "
                "changed. Try again later"
            ),
            resource=resource,
            shape=_shape(payload),
        )
    missing = [key for key in needs if payload.get(key) is None]
    if missing:
        raise UnexpectedAnswer(
            N_("Mercado Livre's answer to {resource} has no {missing}; nothing was changed. Try again later"),
            resource=resource,
            missing=", ".join(missing),
        )
    return payload


def expect_list(payload: object, resource: str | Phrase) -> list[Any]:
    if not isinstance(payload, list):
        raise UnexpectedAnswer(
            N_(
                "Mercado Livre answered {resource} with {shape} where a JSON array was expected; nothing was "
                "changed. Try again later"
            ),
            resource=resource,
            shape=_shape(payload),
        )
    return payload


def page(payload: object, resource: str | Phrase) -> tuple[list[Any], dict[str, Any]]:
    """A search page (`results` array, optional `paging` object) -> (results, paging)."""
    body = expect_object(payload, resource)
    results = body.get("results")
    paging = body.get("paging")
    if not isinstance(results, list) or not isinstance(paging or {}, dict):
        raise UnexpectedAnswer(
            N_(
                "Mercado Livre's answer to {resource} has `results` or `paging` of the wrong shape; nothing was "
                "changed. Try again later"
            ),
            resource=resource,
        )
    return results, paging or {}


def count(value: object, what: str | Phrase) -> int:
    """A non-negative count ML sends (a total); missing reads as 0."""
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise UnexpectedAnswer(
            N_("Mercado Livre sent {what} as {shape} where a number was expected"), what=what, shape=_shape(value)
        )
    try:
        number = int(value)
    except ValueError:
        raise UnexpectedAnswer(
            N_("Mercado Livre sent {what} as {shape} where a number was expected"), what=what, shape=repr(value)
        ) from None
    return max(0, number)


def _shape(payload: object) -> Phrase:
    """What ML sent instead, in the operator's words (a message value)."""
    if payload is None:
        return Phrase(None, "null")
    names = {
        list: N_("a JSON array"),
        dict: N_("a JSON object"),
        str: N_("a text"),
        bool: N_("a boolean"),
        int: N_("a number"),
        float: N_("a number"),
    }
    return Phrase(names.get(type(payload)), type(payload).__name__)


def account(payload: object) -> Account:
    """`GET /users/me` -> Account (tags carry the capabilities: user_product_seller, warehouse_management)."""
    payload = expect_object(payload, "GET /users/me", needs=("id",))
    return Account(
        user_id=_id(payload["id"], "GET /users/me"),
        nickname=str(payload.get("nickname") or ""),
        site_id=str(payload.get("site_id") or ""),
        tags=tuple(str(t) for t in payload.get("tags") or ()),
    )


def reference_code(attributes: list[Any] | None, seller_custom_field: object) -> str | None:
    """The reference code (S6): the SELLER_SKU attribute, falling back to seller_custom_field."""
    for attribute in attributes or ():
        if isinstance(attribute, dict) and attribute.get("id") == SELLER_SKU:
            value = _text(attribute.get("value_name"))
            if value:
                return one_copy(value)
            break
    value = _text(seller_custom_field)
    return one_copy(value) if value else None


def listing(body: object) -> Listing:
    """An item body (`GET /items/{id}?include_attributes=all` or a multiget element) -> Listing."""
    body = expect_object(body, Phrase(N_("a listing (GET /items)")), needs=("id",))
    shipping = _object(body.get("shipping"))
    return Listing(
        id=one_copy(str(_id(body["id"], Phrase(N_("a listing (GET /items)")), text=True))),
        title=str(body.get("title") or ""),
        price=_price(body.get("price")) or _ZERO,
        currency_id=_shared(str(body.get("currency_id") or "")),
        available_quantity=int(body.get("available_quantity") or 0),
        status=_shared(str(body.get("status") or "")),
        sub_status=_shared(tuple(_shared(str(s)) for s in body.get("sub_status") or ())),
        reference_code=reference_code(body.get("attributes"), body.get("seller_custom_field")),
        variations=tuple(variation(v) for v in _array(body.get("variations"), Phrase(N_("the listing's variations")))),
        logistic_type=_shared(_text(shipping.get("logistic_type"))),
        inventory_id=_text(body.get("inventory_id")),
        user_product_id=_text(body.get("user_product_id")),
        family_name=_shared(_text(body.get("family_name"))),
        family_id=_shared(_text(body.get("family_id"))),
        listing_type_id=_shared(_text(body.get("listing_type_id"))),
        tags=_shared(tuple(_shared(str(t)) for t in body.get("tags") or ())),
    )


def variation(body: object) -> Variation:
    """One element of an item's `variations` array (its SELLER_SKU only comes with include_attributes=all)."""
    body = expect_object(body, "a listing's variation", needs=("id",))
    combination = tuple(
        _shared((_shared(str(a.get("name") or a.get("id") or "")), _shared(str(a.get("value_name") or ""))))
        for a in body.get("attribute_combinations") or ()
        if isinstance(a, dict)
    )
    return Variation(
        id=_id(body["id"], "a listing's variation"),
        attributes=_shared(combination),
        reference_code=reference_code(body.get("attributes"), body.get("seller_custom_field")),
        available_quantity=int(body.get("available_quantity") or 0),
        inventory_id=_text(body.get("inventory_id")),
        user_product_id=_text(body.get("user_product_id")),
        price=_price(body.get("price")),
    )


# Values that repeat from listing to listing (statuses, tags, attribute names and values, combinations, prices) are
# kept once: the JSON parser makes a new object for every occurrence, and a sync holds every listing at once (issue
# 16: at 50k listings each repeated text cost ~60 bytes per listing or variation). Bounded, so that a long-running
# process (the TUI, `melisync watch`) does not keep the values of listings it read long ago.
_T = TypeVar("_T")
_SHARED: dict[object, object] = {}
_PRICES: dict[str, Decimal] = {}
_SHARED_MAX = 50_000
_ZERO = Decimal("0")


def _shared(value: _T) -> _T:
    """The one kept copy of `value` (a text, or a tuple of them), equal to it."""
    if value is None:
        return value
    found = _SHARED.get(value)
    if found is None:
        if len(_SHARED) >= _SHARED_MAX:
            _SHARED.clear()
        _SHARED[value] = found = value
    return found  # type: ignore[return-value]


def _price(value: object) -> Decimal | None:
    """`_decimal`, one Decimal per price text (Decimals are immutable: sharing one is safe). Keyed by the text
    `_decimal` reads, so 20 and 20.0 stay Decimal("20") and Decimal("20.0") as before."""
    if value is None or isinstance(value, (dict, list)):
        return _decimal(value)
    text = str(value)
    found = _PRICES.get(text)
    if found is None:
        found = _decimal(text)
        if found is None:
            return None
        if len(_PRICES) >= _SHARED_MAX:
            _PRICES.clear()
        _PRICES[text] = found
    return found


@dataclass(frozen=True)
class MultigetEntry:
    """One element of a multiget answer, whatever its shape: the id asked for, its status and its body."""

    item_id: str
    status: int
    body: dict[str, Any]

    @property
    def ok(self) -> bool:
        return self.status == 200


def multiget(payload: object, requested_ids: list[str]) -> list[MultigetEntry]:
    """Both multiget shapes (docs/mercado-livre-api.md §4) -> entries in the order asked.

    `/items?ids=` answers `[{"code", "body"}]` (an error body may lack the id, so the position names it);
    `/items/bulk?ids=` answers `[{"status_code", "id", "body"}]`. An id ML left out becomes a 404 entry,
    so nothing asked for disappears silently.
    """
    elements = expect_list(payload, Phrase(N_("the listings multiget (GET /items/bulk or /items?ids=)")))
    entries: dict[str, MultigetEntry] = {}
    for position, element in enumerate(elements):
        if not isinstance(element, dict):
            continue
        body = _object(element.get("body"))
        status = element.get("status_code", element.get("code"))
        item_id = element.get("id") or body.get("id")
        if item_id is None and position < len(requested_ids):
            item_id = requested_ids[position]
        if item_id is None:
            continue
        entries[str(item_id)] = MultigetEntry(str(item_id), int(status or 0), body)
    missing = {"error": "not_returned", "message": "Mercado Livre did not return this listing in the multiget"}
    return [entries.get(i) or MultigetEntry(i, 404, missing) for i in requested_ids]


def order(payload: object) -> Order:
    """`/orders/search` result or `GET /orders/{id}` -> Order; the buyer may carry only its id (docs/mercado-livre-api.md §8.2)."""
    payload = expect_object(payload, Phrase(N_("an order (GET /orders)")), needs=("id",))
    buyer = _object(payload.get("buyer"))
    billing = _object(buyer.get("billing_info"))
    shipping = _object(payload.get("shipping"))
    created = _datetime(payload.get("date_created"))
    updated = _datetime(payload.get("date_last_updated") or payload.get("last_updated")) or created
    return Order(
        id=_id(payload["id"], Phrase(N_("an order (GET /orders)"))),
        status=str(payload.get("status") or ""),
        date_created=created or datetime.fromtimestamp(0, UTC),
        date_last_updated=updated or datetime.fromtimestamp(0, UTC),
        buyer_id=int(buyer.get("id") or 0),
        items=tuple(order_item(e) for e in _array(payload.get("order_items"), Phrase(N_("an order's order_items")))),
        billing_info_id=_text(billing.get("id")),
        shipping_id=_int(shipping.get("id")),
        pack_id=_int(payload.get("pack_id")),
        tags=tuple(str(t) for t in payload.get("tags") or ()),
        date_closed=_datetime(payload.get("date_closed")),
    )


def order_item(element: object) -> OrderItem:
    element = expect_object(element, Phrase(N_("an order item")))
    item = _object(element.get("item"))
    return OrderItem(
        listing_id=str(item.get("id") or ""),
        variation_id=_int(item.get("variation_id")),
        title=str(item.get("title") or ""),
        quantity=int(element.get("quantity") or 0),
        unit_price=_decimal(element.get("unit_price")) or Decimal("0"),
        reference_code=_text(item.get("seller_sku")) or _text(item.get("seller_custom_field")),
    )


def billing_info(payload: object) -> BillingInfo:
    """`/orders/billing-info/MLB/{id}` -> BillingInfo; fields may be null while ML is still processing them."""
    payload = expect_object(payload, "GET /orders/billing-info", needs=("buyer",))
    info = _object(_object(payload.get("buyer")).get("billing_info"))
    identification = _object(info.get("identification"))
    address = _object(info.get("address"))
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


def user_product_stock(payload: object, user_product_id: str) -> UserProductStock:
    """`GET /user-products/{id}/stock` -> its locations (a quantity ML left out reads as 0)."""
    payload = expect_object(payload, f"GET /user-products/{user_product_id}/stock", needs=("locations",))
    locations = tuple(
        StockLocation(
            type=str(loc.get("type") or ""),
            quantity=_int(loc.get("quantity")) or 0,
            store_id=_text(loc.get("store_id")),
            network_node_id=_text(loc.get("network_node_id")),
        )
        for loc in _array(payload.get("locations"), Phrase(N_("a user product's stock locations")))
        if isinstance(loc, dict)
    )
    return UserProductStock(user_product_id=str(payload.get("id") or user_product_id), locations=locations)


def warehouses(payload: object) -> list[Warehouse]:
    """`GET /users/{id}/stores/search?tags=stock_location` -> the seller's warehouses."""
    results, _ = page(payload, "GET /users/{id}/stores/search")
    return [
        Warehouse(
            store_id=str(store["id"]),
            network_node_id=_text(store.get("network_node_id")),
            description=_text(store.get("description")) or "",
        )
        for store in results
        if isinstance(store, dict) and store.get("id") is not None
    ]


@overload
def _id(value: object, resource: str | Phrase) -> int: ...
@overload
def _id(value: object, resource: str | Phrase, *, text: Literal[True]) -> int | str: ...
def _id(value: object, resource: str | Phrase, *, text: bool = False) -> int | str:
    """An id: a whole number (user, order, variation), or for `text` ids (listings, MLB123) a plain string."""
    if text and isinstance(value, str) and value.strip():
        return value.strip()
    if not isinstance(value, bool) and isinstance(value, (int, str)):
        try:
            return int(value)
        except ValueError:
            pass
    raise UnexpectedAnswer(
        N_("Mercado Livre's answer to {resource} has an id of the wrong shape ({shape})"),
        resource=resource,
        shape=_shape(value),
    )


def _object(value: object) -> dict[str, Any]:
    # An optional sub-object ML may leave out (null) or send in another form: read as empty.
    return value if isinstance(value, dict) else {}


def _array(value: object, what: str | Phrase) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise UnexpectedAnswer(
            N_("Mercado Livre sent {what} as {shape} where a JSON array was expected"), what=what, shape=_shape(value)
        )
    return value


def _name(value: object) -> object:
    # ML sends some places as {"id", "name"} and others as plain strings.
    return value.get("name") if isinstance(value, dict) else value


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _int(value: object) -> int | None:
    if value in (None, "") or not isinstance(value, (int, float, str)):
        return None  # int() of anything else (an object, an array) raises TypeError: read as missing too
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
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
