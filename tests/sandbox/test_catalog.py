"""The demo data generator: deterministic, every link state present, an ERP CSV that matches it."""

from __future__ import annotations

import csv
import io

from sandbox.catalog import CSV_COLUMNS, generate
from sandbox.items import sku_of
from sandbox.state import SandboxState


def _rows(text: str) -> list[dict]:
    reader = csv.DictReader(io.StringIO(text))
    assert reader.fieldnames == CSV_COLUMNS
    return list(reader)


def test_deterministic_by_seed():
    assert generate(120, 4).erp_csv == generate(120, 4).erp_csv
    assert generate(120, 4).listings == generate(120, 4).listings
    assert generate(120, 4).erp_csv != generate(120, 5).erp_csv


def test_erp_csv_is_well_formed():
    rows = _rows(generate(300, 0).erp_csv)
    codes = [r["code"] for r in rows]
    assert len(codes) == len(set(codes)) and all(codes)
    products = {r["code"] for r in rows if not r["parent_code"]}
    assert all(r["parent_code"] in products for r in rows if r["parent_code"])
    for row in rows:
        assert int(row["stock"]) >= 0 and "." in row["price"] and float(row["price"]) > 0
        if row["parent_code"]:
            assert all("=" in pair for pair in row["attributes"].split(";"))


def test_every_case_is_in_the_default_catalogue():
    state = SandboxState(listings=300)
    erp = {r["code"]: r for r in _rows(generate(300, 0).erp_csv)}
    items = [state.item(i) for i in state.listing_ids()]
    assert len(items) == 300
    with_variations = [i for i in items if i["variations"]]
    assert with_variations and all(2 <= len(i["variations"]) <= 12 for i in with_variations)
    assert all(v["id"] > 2**32 for i in with_variations for v in i["variations"])
    full = [i for i in items if i["shipping"]["logistic_type"] == "fulfillment"]
    assert len(full) >= 3
    no_code = [
        i
        for i in items
        if not sku_of(i["attributes"])
        and not i["seller_custom_field"]
        and not any(sku_of(v["attributes"]) or v["seller_custom_field"] for v in i["variations"])
    ]
    assert len(no_code) >= 2 and any(i["variations"] for i in no_code)
    kit = [i for i in items if sku_of(i["attributes"]) == "KIT-PANELAS-5"]
    assert sorted(i["listing_type_id"] for i in kit) == ["gold_pro", "gold_special"]
    assert any(" " in (sku_of(i["attributes"]) or "") and "Ç" in sku_of(i["attributes"]) for i in items)
    legacy_field_only = [i for i in items if i["seller_custom_field"] and not sku_of(i["attributes"])]
    assert legacy_field_only and legacy_field_only[0]["seller_custom_field"] in erp
    variation_only = [
        i
        for i in with_variations
        if not sku_of(i["attributes"]) and all(sku_of(v["attributes"]) for v in i["variations"])
    ]
    assert len(variation_only) >= 2
    # S8: the ERP product has no compositions while its listing has variations
    lum = next(i for i in items if sku_of(i["attributes"]) == "LUM-ART")
    assert lum["variations"] and "LUM-ART" in erp and not any(r["parent_code"] == "LUM-ART" for r in erp.values())
    ml_codes = {sku_of(i["attributes"]) for i in items} | {
        sku_of(v["attributes"]) for i in items for v in i["variations"]
    }
    assert "REL-NAO-EXISTE" in ml_codes and "REL-NAO-EXISTE" not in erp
    simple_linked = [i for i in items if not i["variations"] and sku_of(i["attributes"]) in erp]
    differs = [i for i in simple_linked if int(erp[sku_of(i["attributes"])]["stock"]) != i["available_quantity"]]
    assert differs and len(differs) < len(simple_linked)
    assert all(isinstance(i["price"], float) and i["currency_id"] == "BRL" for i in items)
    assert any(i["status"] == "paused" and i["sub_status"] == ["out_of_stock"] for i in items)


def test_variation_codes_are_unique_within_each_listing():
    catalog = generate(300, 0)
    with_codes = [l for l in catalog.listings if l.get("variations") and l["variations"][0]["sku"]]
    assert with_codes
    for listing in with_codes:
        codes = [v["sku"] for v in listing["variations"]]
        assert len(codes) == len(set(codes)), (listing["title"], codes)
    colours = {v["attributes"]["Cor"] for l in with_codes for v in l["variations"]}
    assert {"Verde", "Vermelho"} <= colours  # the two colours that used to share "VER"


def test_the_variation_missing_from_the_erp_is_really_missing():
    catalog = generate(20, 0)
    erp = {r["code"] for r in _rows(catalog.erp_csv)}
    mochila = next(l for l in catalog.listings if l["title"] == "Mochila Com Variação Nova")
    codes = [v["sku"] for v in mochila["variations"]]
    assert [c in erp for c in codes] == [True, True, False]
