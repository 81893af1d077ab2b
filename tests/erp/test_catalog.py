"""The ERP catalogue: products, compositions, the ledger and its balances, customers, S8 conversion."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from services.address import Address
from services.erp.catalog import Catalog
from services.erp.models import Composition, Customer, MovementKind, Product, StockMovement
from services.errors import BadInput
from services.store import Store
from services.store import storage as storage_module

T0 = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def _sale(code: str, quantity: int, key: str | None) -> StockMovement:
    return StockMovement(code, MovementKind.SALE, quantity, T0, reference="order:1", key=key)


@pytest.fixture
def catalog() -> Catalog:
    catalog = Catalog()
    with catalog.transaction():
        catalog.add_products([Product("CAM", "Camiseta", Decimal("59.90")), Product("CAN", "Caneca", Decimal("25"))])
        catalog.add_compositions(
            [Composition("CAM-P", "CAM", (("Tamanho", "P"),)), Composition("CAM-M", "CAM", (("Tamanho", "M"),))]
        )
    return catalog


def test_products_and_compositions_come_back_as_domain_objects(catalog):
    products = catalog.products()
    assert products["CAN"] == Product("CAN", "Caneca", Decimal("25"), False)
    assert products["CAM"].has_variations  # it got compositions
    assert [c.code for c in catalog.compositions_of("CAM")] == ["CAM-P", "CAM-M"]
    assert catalog.compositions()["CAM-M"].attributes == (("Tamanho", "M"),)
    assert catalog.compositions_by_parent()["CAM"][0].code == "CAM-P"
    # a fresh catalogue object (another process) reads the same from the file
    fresh = Catalog(store=Store(catalog.store.path, "erp"))
    assert fresh.products() == catalog.products()
    assert fresh.compositions() == catalog.compositions()


def test_adding_products_again_updates_only_what_changed(catalog):
    result = catalog.add_products(
        [
            Product("CAN", "Caneca", Decimal("25")),
            Product("CAN2", "Caneca grande", Decimal("30")),
            Product("CAM", "Camiseta básica", Decimal("59.90")),
        ]
    )
    assert (result.created, result.updated) == (1, 1)
    assert catalog.products()["CAM"].name == "Camiseta básica"
    assert catalog.products()["CAM"].has_variations  # kept: it has compositions


def test_movements_keep_the_balance_and_ledger_consistent(catalog):
    catalog.record_movements(
        [
            StockMovement("CAN", MovementKind.ADJUSTMENT, 10, T0),
            _sale("CAN", -2, "sale:1:MLB1:-"),
            _sale("CAM-P", -1, "sale:1:MLB2:7"),
        ]
    )
    assert catalog.balance("CAN") == 8
    assert catalog.balances() == {"CAN": 8, "CAM-P": -1}
    assert catalog.balance("CAM-M") is None  # no stock record is not zero
    assert [m.quantity for m in catalog.movements("CAN")] == [10, -2]
    ledger = catalog.movements()
    assert ledger[1] == _sale("CAN", -2, "sale:1:MLB1:-")
    for code, balance in catalog.balances().items():
        assert balance == sum(m.quantity for m in ledger if m.code == code)


def test_a_movement_whose_key_is_recorded_is_not_recorded_again(catalog):
    assert catalog.record_movement(_sale("CAN", -1, "sale:9:MLB1:-")) is True
    assert catalog.record_movement(_sale("CAN", -1, "sale:9:MLB1:-")) is False
    outcome = catalog.record_movements(
        [_sale("CAN", -1, "sale:9:MLB1:-"), _sale("CAN", -3, "sale:10:MLB1:-"), _sale("CAN", -3, "sale:10:MLB1:-")]
    )
    assert [m.key for m in outcome.recorded] == ["sale:10:MLB1:-"]
    assert len(outcome.duplicates) == 2
    assert catalog.balance("CAN") == -4
    assert catalog.movement_keys() == {"sale:9:MLB1:-", "sale:10:MLB1:-"}


def test_the_same_order_from_another_process_decrements_once(catalog):
    other = Catalog(store=Store(catalog.store.path, "erp"))
    assert catalog.record_movement(_sale("CAN", -1, "sale:5:MLB1:-"))
    assert not other.record_movement(_sale("CAN", -1, "sale:5:MLB1:-"))
    assert catalog.balance("CAN") == -1


def test_stock_is_refused_for_unknown_codes_and_for_products_with_compositions(catalog):
    with pytest.raises(BadInput, match="no product or composition NOPE"):
        catalog.record_movement(_sale("NOPE", -1, None))
    with pytest.raises(BadInput, match="kept per composition"):
        catalog.record_movement(_sale("CAM", -1, None))
    assert catalog.movements() == []


def test_a_failing_batch_writes_nothing(catalog):
    before = catalog.store.path.read_bytes()
    with pytest.raises(BadInput):
        with catalog.transaction():
            catalog.add_products([Product("NEW", "Novo", Decimal("1"))])
            catalog.record_movement(_sale("NEW", 5, None))
            catalog.record_movement(_sale("NOPE", 1, None))
    assert catalog.store.path.read_bytes() == before
    assert "NEW" not in catalog.products()


def test_bulk_methods_write_the_file_once(catalog, monkeypatch):
    writes = []
    real = storage_module.write_private
    monkeypatch.setattr(storage_module, "write_private", lambda p, b: (writes.append(p), real(p, b)))
    with catalog.transaction():
        catalog.add_products(Product(f"P{i}", f"Produto {i}", Decimal(i)) for i in range(200))
        catalog.record_movements(
            StockMovement(f"P{i}", MovementKind.IMPORT, i, T0, key=f"import:P{i}") for i in range(200)
        )
        assert catalog.balance("P7") == 7  # reads inside the batch see its changes
    assert len(writes) == 1
    assert len(catalog.products()) == 202 and catalog.balance("P199") == 199


def test_compositions_need_an_existing_parent(catalog):
    with pytest.raises(BadInput, match="its product GHOST is not in the catalogue"):
        catalog.add_compositions([Composition("G-1", "GHOST")])
    with pytest.raises(BadInput, match="is a product code"):
        catalog.add_compositions([Composition("CAN", "CAM")])


def test_customers_are_upserted_by_buyer_id_keeping_known_fields(catalog):
    catalog.upsert_customers([Customer(77, "Ana Souza", "CPF", "12345678909", Address(city="Recife", number="9"))])
    result = catalog.upsert_customers(
        [
            Customer(77, "Ana S. Souza", address=Address(street="Rua A", number="10")),
            Customer(78, "Loja Beta", "CNPJ", "11222333000181"),
        ]
    )
    assert (result.created, result.updated) == (1, 1)
    ana = catalog.customers()[77]
    assert (ana.name, ana.doc_number) == ("Ana S. Souza", "12345678909")
    # the address too is kept field by field: a new street and number, the city known before
    assert ana.address == Address(street="Rua A", number="10", city="Recife")
    assert catalog.customers()[78].doc_type == "CNPJ"


def test_s8_conversion_previews_then_zeroes_the_movements(catalog):
    catalog.record_movements(
        [
            StockMovement("CAN", MovementKind.ADJUSTMENT, 10, T0),
            _sale("CAN", -3, "sale:1:MLB1:-"),
            _sale("CAN", -1, "sale:2:MLB1:-"),
        ]
    )
    before = catalog.store.path.read_bytes()
    variations = [Composition("CAN-AZ", "", (("Cor", "Azul"),)), Composition("CAN-VM", "", (("Cor", "Vermelho"),))]
    preview = catalog.convert_to_compositions("CAN", variations)
    assert (preview.movements_zeroed, preview.balance_zeroed, preview.applied) == (3, 6, False)
    assert catalog.store.path.read_bytes() == before  # a preview writes nothing

    done = catalog.convert_to_compositions("CAN", variations, preview=False)
    assert done.applied and done.reset.kind is MovementKind.RESET and done.reset.quantity == -6
    assert "3 movements zeroed" in done.reset.reference
    assert catalog.balance("CAN") == 0
    assert catalog.products()["CAN"].has_variations
    assert [c.code for c in catalog.compositions_of("CAN")] == ["CAN-AZ", "CAN-VM"]
    assert [m.kind for m in catalog.movements("CAN")][-1] is MovementKind.RESET
    with pytest.raises(BadInput, match="already has variations"):
        catalog.convert_to_compositions("CAN", variations, preview=False)


def test_adding_compositions_to_a_product_with_movements_asks_for_the_s8_conversion(catalog):
    catalog.record_movement(StockMovement("CAN", MovementKind.ADJUSTMENT, 4, T0))
    with pytest.raises(BadInput, match="rule S8"):
        catalog.add_compositions([Composition("CAN-AZ", "CAN")])
    assert not catalog.products()["CAN"].has_variations


def test_the_view_feeds_linking(catalog):
    catalog.record_movement(_sale("CAM-P", 5, None))
    view = catalog.view()
    assert view.knows("CAM-M") and view.has_variations("CAM") and view.balance("CAM-P") == 5


def test_updates_keep_the_order_and_leave_earlier_reads_alone(catalog):
    from services.store.erp_tables import ErpTables

    _, snapshot = catalog.store.snapshot()
    earlier = ErpTables(
        snapshot, catalog.store.path.parent
    )  # not read yet: it must still see the content as of the snapshot
    catalog.add_products([Product("CAM", "Camiseta nova", Decimal("1"))])
    catalog.add_compositions([Composition("CAM-P", "CAM", (("Tamanho", "PP"),))])
    assert earlier.products["CAM"].name == "Camiseta"
    assert earlier.compositions["CAM-P"].attributes == (("Tamanho", "P"),)
    assert list(catalog.products()) == ["CAM", "CAN"]
    assert [c.code for c in catalog.compositions_of("CAM")] == ["CAM-P", "CAM-M"]
    assert catalog.compositions()["CAM-P"].attributes == (("Tamanho", "PP"),)


def test_each_stock_knows_when_it_was_last_counted(catalog):
    later = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    catalog.record_movements(
        [
            StockMovement("CAN", MovementKind.ADJUSTMENT, 10, T0, "csv import"),
            StockMovement("CAM-P", MovementKind.IMPORT, 3, T0, "listing:MLB1"),
            _sale("CAN", -2, "sale:1:MLB1:-"),
        ]
    )
    assert catalog.counted_at() == {"CAN": T0, "CAM-P": T0}  # a sale is not a count
    catalog.record_movements([], counted={"CAN": later})  # counted again, same figure: no movement
    assert catalog.counted_at()["CAN"] == later and catalog.balance("CAN") == 8 and len(catalog.movements()) == 3
    with pytest.raises(BadInput, match="kept per composition"):
        catalog.record_movements([], counted={"CAM": later})


def test_a_ledger_from_before_the_counts_says_when_the_stock_was_set(catalog):
    catalog.record_movements(
        [
            StockMovement("CAN", MovementKind.ADJUSTMENT, 10, T0, "csv import"),
            StockMovement("CAN", MovementKind.ADJUSTMENT, -1, T0.replace(hour=15), "csv import"),
        ]
    )
    with catalog.store.transaction() as db:
        db.drop_table("counts")  # as a file written before the table existed
    assert Catalog().counted_at() == {"CAN": T0.replace(hour=15)}


def test_a_customer_is_kept_in_erp_json_with_its_address_flat_as_before(catalog, melisync_home):
    import json
    from dataclasses import replace

    from services.store import close_stores

    address = Address("Rua A", "10", "ap 3", "Centro", "Recife", "PE", "50010000", country="BR")
    catalog.upsert_customers([Customer(77, "Ana", "CPF", "12345678909", address)])
    close_stores()
    [doc] = json.loads((melisync_home / "erp.json").read_text("utf-8"))["customers"].values()
    # The file keeps its format: the same keys in the same order, the address flat, no country (the ERP keeps none).
    assert list(doc.items()) == [
        ("buyer_id", 77),
        ("name", "Ana"),
        ("doc_type", "CPF"),
        ("doc_number", "12345678909"),
        ("street", "Rua A"),
        ("number", "10"),
        ("complement", "ap 3"),
        ("neighborhood", "Centro"),
        ("city", "Recife"),
        ("state", "PE"),
        ("zip_code", "50010000"),
    ]
    assert Catalog().customers()[77] == Customer(77, "Ana", "CPF", "12345678909", replace(address, country=None))
