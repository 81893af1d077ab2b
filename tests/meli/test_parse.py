"""Payloads as docs/mercado-livre-api.md shows them -> domain objects; both multiget shapes through one adapter."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from services.meli import parse

ITEM = {
    "id": "MLB6713483676",
    "title": "Camiseta",
    "price": 59.9,
    "currency_id": "BRL",
    "available_quantity": 7,
    "status": "active",
    "sub_status": [],
    "seller_custom_field": "LEGACY-1",
    "user_product_id": "MLBU1",
    "family_name": None,
    "family_id": 18446744000000000615,
    "listing_type_id": "gold_special",
    "shipping": {"logistic_type": "drop_off"},
    "tags": ["good_quality_thumbnail"],
    "attributes": [{"id": "BRAND", "value_name": "X"}, {"id": "SELLER_SKU", "value_id": None, "value_name": "CAM-1"}],
    "variations": [
        {
            "id": 194124095262,
            "price": 59.9,
            "available_quantity": 3,
            "seller_custom_field": None,
            "attribute_combinations": [
                {"id": "COLOR", "name": "Cor", "value_name": "Azul"},
                {"id": "SIZE", "name": "Tamanho", "value_name": "M"},
            ],
            "attributes": [{"id": "SELLER_SKU", "value_name": "CAM-1-AZ-M"}],
            "user_product_id": "MLBU2",
        },
        {
            "id": 194124095263,
            "available_quantity": 4,
            "seller_custom_field": "VAR-LEGACY",
            "attribute_combinations": [{"id": "COLOR", "name": "Cor", "value_name": "Preto"}],
        },
        {
            "id": 194124095264,
            "available_quantity": 0,
            "seller_custom_field": None,
            "inventory_id": "INV9",
            "attribute_combinations": [],
            "attributes": [{"id": "SELLER_SKU", "value_name": "  "}],
        },
    ],
}


def test_listing_reference_codes_ids_and_prices():
    listing = parse.listing(ITEM)
    assert listing.reference_code == "CAM-1"  # SELLER_SKU wins over seller_custom_field
    assert listing.price == Decimal("59.9") and listing.family_id == "18446744000000000615"
    first, second, third = listing.variations
    assert first.id == 194124095262 and first.reference_code == "CAM-1-AZ-M"
    assert first.label == "Cor: Azul / Tamanho: M" and first.user_product_id == "MLBU2"
    assert second.reference_code == "VAR-LEGACY"  # fallback at variation level
    assert third.reference_code is None and third.inventory_id == "INV9"  # blank SKU is no SKU
    assert not listing.is_fulfillment and not listing.in_user_products_model


def test_listing_item_level_fallback_full_and_user_products():
    body = {
        "id": "MLB1",
        "title": "t",
        "price": 10,
        "available_quantity": 1,
        "status": "paused",
        "sub_status": ["out_of_stock"],
        "seller_custom_field": "OLD",
        "attributes": [],
        "shipping": {"logistic_type": "fulfillment"},
        "inventory_id": "INV1",
        "family_name": "Camiseta",
    }
    listing = parse.listing(body)
    assert listing.reference_code == "OLD" and listing.is_fulfillment and listing.inventory_id == "INV1"
    assert listing.in_user_products_model and listing.sub_status == ("out_of_stock",)
    assert parse.listing({"id": "MLB2"}).reference_code is None


def test_multiget_items_shape_positions_name_errors():
    payload = [
        {"code": 200, "body": {"id": "MLB1", "title": "a"}},
        {"code": 404, "body": {"error": "not_found", "message": "Item with id MLB2 not found"}},
    ]
    entries = parse.multiget(payload, ["MLB1", "MLB2", "MLB3"])
    assert [(e.item_id, e.status) for e in entries] == [("MLB1", 200), ("MLB2", 404), ("MLB3", 404)]
    assert entries[2].body["error"] == "not_returned"  # left out by ML: reported, not dropped


def test_multiget_bulk_shape_uses_root_id_and_status_code():
    payload = [
        {"id": "MLB2", "status_code": 403, "body": {"error": "forbidden", "message": "no"}},
        {"id": "MLB1", "status_code": 200, "body": {"id": "MLB1", "title": "a"}},
    ]
    entries = parse.multiget(payload, ["MLB1", "MLB2"])
    assert [(e.item_id, e.status, e.ok) for e in entries] == [("MLB1", 200, True), ("MLB2", 403, False)]
    with pytest.raises(ValueError):
        parse.multiget({"error": "x"}, ["MLB1"])


def test_account_tags():
    account = parse.account(
        {
            "id": 3347552577,
            "nickname": "LOJA",
            "site_id": "MLB",
            "tags": ["normal", "user_product_seller", "warehouse_management"],
        }
    )
    assert account.user_id == 3347552577 and account.user_products and account.warehouse_management


def test_order_with_only_buyer_id_and_big_ids():
    payload = {
        "id": 2000003508897196,
        "status": "paid",
        "date_created": "2022-04-08T17:01:30.000-04:00",
        "last_updated": "2022-04-08T18:00:00.000-04:00",
        "pack_id": 2000003508553677,
        "order_items": [
            {
                "item": {
                    "id": "MLB2608564035",
                    "title": "Camiseta",
                    "variation_id": 174390848694,
                    "seller_custom_field": None,
                    "seller_sku": "CAM-1-AZ-M",
                },
                "quantity": 2,
                "unit_price": 50.5,
            }
        ],
        "shipping": {"id": 41297142475},
        "tags": ["paid"],
        "buyer": {"id": 266272126, "billing_info": {"id": "677487519924852462"}},
    }
    order = parse.order(payload)
    assert order.id == 2000003508897196 and order.buyer_id == 266272126 and order.pack_id == 2000003508553677
    assert order.billing_info_id == "677487519924852462" and order.shipping_id == 41297142475
    assert order.date_last_updated == datetime(2022, 4, 8, 22, 0, tzinfo=UTC)
    (item,) = order.items
    assert (item.variation_id, item.quantity, item.unit_price, item.reference_code) == (
        174390848694,
        2,
        Decimal("50.5"),
        "CAM-1-AZ-M",
    )


def test_billing_info_full_and_processing():
    payload = {
        "site_id": "MLB",
        "buyer": {
            "cust_id": 1,
            "billing_info": {
                "name": "Maria",
                "last_name": "Silva",
                "identification": {"type": "CPF", "number": "12345678909"},
                "address": {
                    "street_name": "Rua A",
                    "street_number": "SN",
                    "city_name": "Bom Jardim",
                    "comment": "7b",
                    "neighborhood": "Centro",
                    "state": {"name": "Rio de Janeiro"},
                    "zip_code": "28660000",
                    "country_id": "BR",
                },
            },
        },
    }
    info = parse.billing_info(payload)
    assert (info.name, info.doc_type, info.doc_number) == ("Maria Silva", "CPF", "12345678909")
    assert (info.address.number, info.address.state, info.address.city) == ("SN", "Rio de Janeiro", "Bom Jardim")
    empty = parse.billing_info({"buyer": {"billing_info": {"name": None, "identification": None}}})
    assert empty.name is None and empty.doc_number is None
