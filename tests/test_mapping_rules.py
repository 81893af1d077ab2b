"""The variation mapping (S7) and conversion (S8) rules of services/mapping.py, on an in-memory catalogue:
what each listing's lines are, and when converting is offered or why not (a reason code, no words)."""

from __future__ import annotations

from datetime import UTC
from decimal import Decimal

import pytest

from services.erp.catalog import Catalog
from services.erp.models import Composition, MovementKind, Product, StockMovement
from services.linking import Link, LinkState
from services.mapping import (
    NOT_ON_ML,
    NotConvertible,
    Reason,
    conversion_blocked,
    family_of,
    parse_label,
    variation_mapping,
    why_not_converting,
)
from services.reasons import Reason as Said

MISMATCH = LinkState.STRUCTURE_MISMATCH


def _catalog(*products: Product, compositions=(), stock=()) -> Catalog:
    from datetime import datetime

    catalog = Catalog()
    with catalog.transaction():
        catalog.add_products(list(products))
        catalog.add_compositions(list(compositions))
    if stock:
        at = datetime(2026, 11, 27, tzinfo=UTC)
        catalog.record_movements([StockMovement(code, MovementKind.ADJUSTMENT, n, at) for code, n in stock])
    return catalog


def _variation(vid: int, code: str | None, state=MISMATCH, label="", erp_code=None, **kw) -> Link:
    return Link("MLB1", vid, state, code, erp_code, title="Luminária", variation_label=label, **kw)


LUM = Product("LUM", "Luminária", Decimal("90"))


def test_a_product_without_compositions_is_convertible_to_one_per_variation():
    links = [
        _variation(1, "LUM-AZ", label="Cor: Azul / Tamanho: M", erp_code="LUM"),
        _variation(2, "LUM-VM", label="Cor: Vermelho", erp_code="LUM"),
    ]
    view = variation_mapping("MLB1", links, _catalog(LUM))
    assert view.convertible and view.why_not is None and why_not_converting(view) is None
    assert view.product_code == "LUM" and view.title == "Luminária"
    assert view.new_compositions == (
        Composition("LUM-AZ", "LUM", (("Cor", "Azul"), ("Tamanho", "M"))),
        Composition("LUM-VM", "LUM", (("Cor", "Vermelho"),)),
    )


@pytest.mark.parametrize(
    ("codes", "taken", "expected"),
    [
        (["LUM-AZ", None], (), NotConvertible.CODES_MISSING),
        (["LUM-AZ", "LUM-AZ"], (), NotConvertible.CODES_TAKEN),
        (["LUM-AZ", "CAN"], ("CAN",), NotConvertible.CODES_TAKEN),  # a code another ERP product already uses
    ],
)
def test_variation_codes_must_be_present_and_new(codes, taken, expected):
    links = [_variation(i, code, erp_code="LUM") for i, code in enumerate(codes, 1)]
    others = [Product(code, code, Decimal("1")) for code in taken]
    view = variation_mapping("MLB1", links, _catalog(LUM, *others))
    assert not view.convertible and view.why_not == Reason(expected)


def test_an_unknown_product_or_a_listing_without_variations_is_not_converted():
    assert conversion_blocked(None, [_variation(1, "X")], _catalog(LUM)) == Reason(NotConvertible.PRODUCT_UNKNOWN)
    assert conversion_blocked("GONE", [_variation(1, "X")], _catalog(LUM)) == Reason(NotConvertible.PRODUCT_UNKNOWN)
    plain = Link("MLB1", None, MISMATCH, "LUM", "LUM")
    assert conversion_blocked("LUM", [plain], _catalog(LUM)) == Reason(NotConvertible.NO_VARIATIONS)


def test_a_product_that_has_the_compositions_now_asks_for_a_sync_else_says_what_linking_found():
    compositions = [Composition("LUM-AZ", "LUM"), Composition("LUM-VM", "LUM")]
    catalog = _catalog(LUM, compositions=compositions)
    links = [_variation(1, "LUM-AZ", erp_code="LUM"), _variation(2, "LUM-VM", erp_code="LUM")]
    assert conversion_blocked("LUM", links, catalog) == Reason(NotConvertible.COMPOSITIONS_EXIST)
    odd = [_variation(1, "LUM", reason=Said.text("the product code is on a variation")), _variation(2, "LUM-VM")]
    assert conversion_blocked("LUM", odd, catalog) == Reason(
        NotConvertible.LINKING, detail=Said.text("the product code is on a variation")
    )


def test_without_a_mismatch_nothing_is_offered_and_no_reason_is_given():
    catalog = _catalog(
        LUM,
        compositions=[Composition("LUM-AZ", "LUM", (("Cor", "Azul"),)), Composition("LUM-VM", "LUM")],
        stock=[("LUM-AZ", 3), ("LUM-VM", 5)],
    )
    links = [_variation(1, "LUM-AZ", state=LinkState.LINKED, erp_code="LUM-AZ", erp_stock=3)]
    view = variation_mapping("MLB1", links, catalog)
    assert not view.convertible and view.why_not is None
    assert why_not_converting(view) == Reason(NotConvertible.NO_MISMATCH)
    # The variation beside its composition, then the composition no variation carries.
    assert [
        (p.variation.key if p.variation else None, p.composition.code, p.erp_stock, p.state) for p in view.pairs
    ] == [("MLB1:1", "LUM-AZ", 3, "linked"), (None, "LUM-VM", 5, NOT_ON_ML)]
    assert view.product_code == "LUM" and view.product_name == "Luminária"


def test_a_family_is_mapped_like_one_listing_its_listings_feeding_plain_products():
    caneca, tampa = Product("CAN", "Caneca", Decimal("1")), Product("TAM", "Tampa", Decimal("1"))
    links = [
        Link("MLB7", None, LinkState.LINKED, "CAN", "CAN", family_name="Caneca Inox"),
        Link("MLB8", None, LinkState.LINKED, "TAM", "TAM", family_name="Caneca Inox"),
    ]
    assert family_of(links) == "Caneca Inox" and family_of(links[:0]) is None
    view = variation_mapping("MLB7", links, _catalog(caneca, tampa))
    assert view.family_name == "Caneca Inox" and view.product_code is None
    assert view.products == ("CAN", "TAM") and [p.erp_product for p in view.pairs] == ["CAN", "TAM"]


def test_a_variation_label_becomes_composition_attributes():
    assert parse_label("Cor: Azul / Tamanho: M") == (("Cor", "Azul"), ("Tamanho", "M"))
    assert parse_label("Único") == (("", "Único"),) and parse_label("") == ()


def test_every_reason_has_words_for_the_operator():
    from screens.mapping import WHY_NOT, why_not_text

    assert set(WHY_NOT) == set(NotConvertible) - {NotConvertible.LINKING}
    assert why_not_text(Reason(NotConvertible.LINKING, detail=Said.text("as linking said"))) == "as linking said"
