"""build_links: every state of docs/architecture.md §6 at variation level (S6, S7, S8), without I/O."""

from __future__ import annotations

from services.linking import Link, LinkState, build_links, count_by_state
from tests.fixtures.sync import catalogue, listing, variation
from words.reasons import say

S = LinkState


def states(links):
    return {link.key: link.state for link in links}


def test_simple_listing_linked_with_stocks_and_names():
    cat = catalogue(products=[("A1", "Caneca")], balances={"A1": 7})
    [link] = build_links([listing("MLB1", "A1", qty=3)], cat)
    assert (link.state, link.erp_code, link.erp_name, link.erp_stock, link.ml_stock) == (S.LINKED, "A1", "Caneca", 7, 3)
    assert link.difference == 4 and link.key == "MLB1"


def test_one_code_feeds_several_listings():
    cat = catalogue(products=["A1"], balances={"A1": 2})
    links = build_links([listing("MLB1", "A1"), listing("MLB2", "A1")], cat)
    assert [(l.state, l.erp_code) for l in links] == [(S.LINKED, "A1"), (S.LINKED, "A1")]


def test_no_reference_and_unknown_code():
    cat = catalogue(products=["A1"])
    links = build_links([listing("MLB1", None), listing("MLB2", "  "), listing("MLB3", "ZZ")], cat)
    assert [l.state for l in links] == [S.NO_REFERENCE, S.NO_REFERENCE, S.UNKNOWN_CODE]
    assert links[2].erp_code is None and "ZZ" in say(links[2].reason)


def test_variations_link_one_by_one_to_compositions():
    v1, v2, v3 = variation("P-AZ"), variation("P-VM"), variation(None)
    cat = catalogue(products=["P"], compositions=[("P-AZ", "P"), ("P-VM", "P")], balances={"P-AZ": 1})
    links = build_links([listing("MLB1", "P", variations=[v1, v2, v3])], cat)
    assert [(l.variation_id, l.state, l.erp_code) for l in links] == [
        (v1.id, S.LINKED, "P-AZ"),
        (v2.id, S.LINKED, "P-VM"),
        (v3.id, S.NO_REFERENCE, None),
    ]
    assert links[0].key == f"MLB1:{v1.id}" and links[0].erp_stock == 1 and links[1].erp_stock is None
    assert links[0].variation_label == "Cor: Azul"


def test_changed_code_is_link_lost_never_moved():
    cat = catalogue(products=["A1", "B2"])
    first = build_links([listing("MLB1", "A1")], cat)
    assert first[0].state == S.LINKED
    [lost] = build_links([listing("MLB1", "B2")], cat, previous=first)
    assert (lost.state, lost.erp_code, lost.reference_code) == (S.LINK_LOST, "A1", "B2")
    assert "A1" in say(lost.reason) and "B2" in say(lost.reason)
    # Still lost on the next sync (the stored row is the lost one), back to linked when the code returns.
    assert build_links([listing("MLB1", "B2")], cat, previous=[lost])[0].state == S.LINK_LOST
    assert build_links([listing("MLB1", "A1")], cat, previous=[lost])[0].state == S.LINKED
    # A code removed from the listing also loses the link.
    assert build_links([listing("MLB1", None)], cat, previous=first)[0].state == S.LINK_LOST


def test_variation_code_changed_is_link_lost():
    v = variation("P-AZ", vid=11)
    cat = catalogue(products=["P"], compositions=[("P-AZ", "P"), ("P-VM", "P")])
    first = build_links([listing("MLB1", "P", variations=[v])], cat)
    moved = variation("P-VM", vid=11)
    [lost] = build_links([listing("MLB1", "P", variations=[moved])], cat, previous=first)
    assert (lost.state, lost.erp_code) == (S.LINK_LOST, "P-AZ")


def test_structure_mismatch_ml_has_variations_erp_does_not():
    cat = catalogue(products=["P"], balances={"P": 4})
    links = build_links([listing("MLB1", "P", variations=[variation("P-1"), variation(None)])], cat)
    assert [l.state for l in links] == [S.STRUCTURE_MISMATCH] * 2
    assert all(l.erp_code == "P" and "has no variations" in say(l.reason) and "S8" not in say(l.reason) for l in links)


def test_structure_mismatch_erp_has_variations_ml_does_not():
    cat = catalogue(products=["P"], compositions=[("P-1", "P")])
    [link] = build_links([listing("MLB1", "P")], cat)
    assert link.state == S.STRUCTURE_MISMATCH and "has 1 variation;" in say(link.reason)


def test_a_composition_code_on_a_simple_listing_is_linked():
    # User Products model: one listing per variant, each carrying the composition's code.
    cat = catalogue(products=["P"], compositions=[("P-1", "P")], balances={"P-1": 3})
    [link] = build_links([listing("MLB1", "P-1")], cat)
    assert (link.state, link.erp_stock) == (S.LINKED, 3)


def test_duplicated_code_inside_one_listing_is_reported():
    a, b, c = variation("P-1"), variation("P-1"), variation("P-2")
    cat = catalogue(products=["P"], compositions=[("P-1", "P"), ("P-2", "P")])
    links = build_links([listing("MLB1", "P", variations=[a, b, c])], cat)
    assert [l.state for l in links] == [S.STRUCTURE_MISMATCH, S.STRUCTURE_MISMATCH, S.LINKED]
    assert "2 variations" in say(links[0].reason)


def test_full_and_closed_listings_are_not_writable():
    cat = catalogue(products=["A1", "P"], compositions=[("P-1", "P")])
    links = build_links(
        [
            listing("MLB1", "A1", full=True),
            listing("MLB2", "A1", status="closed"),
            listing("MLB3", "P", variations=[variation("P-1")], full=True),
        ],
        cat,
    )
    assert [l.state for l in links] == [S.NOT_WRITABLE] * 3
    assert "Full" in say(links[0].reason) and "closed" in say(links[1].reason)
    # A Full listing with an unknown code says what is wrong with the code first.
    assert build_links([listing("MLB4", "ZZ", full=True)], cat)[0].state == S.UNKNOWN_CODE


def test_refused_write_stays_not_writable_but_full_reason_does_not_stick():
    from services.reasons import Code, Reason

    cat = catalogue(products=["A1"])
    refused = Link("MLB1", None, S.NOT_WRITABLE, "A1", "A1", reason=Reason(Code.ML_REFUSED, message="not modifiable"))
    assert build_links([listing("MLB1", "A1")], cat, previous=[refused])[0].reason == refused.reason
    # as an older melisync stored it: still not retried
    old = Link("MLB1", None, S.NOT_WRITABLE, "A1", "A1", reason=Reason.from_json(say(refused.reason)))
    assert build_links([listing("MLB1", "A1")], cat, previous=[old])[0].state == S.NOT_WRITABLE
    was_full = Link("MLB1", None, S.NOT_WRITABLE, "A1", "A1", reason=Reason(Code.FULL))
    assert build_links([listing("MLB1", "A1")], cat, previous=[was_full])[0].state == S.LINKED


def test_ignored_wins_and_keeps_the_erp_code():
    cat = catalogue(products=["A1"])
    [link] = build_links([listing("MLB1", "A1")], cat, ignored={"MLB1"})
    assert (link.state, link.erp_code) == (S.IGNORED, "A1")


def test_count_by_state_lists_every_state():
    cat = catalogue(products=["A1"])
    counts = count_by_state(build_links([listing("MLB1", "A1"), listing("MLB2", None)], cat))
    assert counts["linked"] == 1 and counts["no_reference"] == 1 and counts["link_lost"] == 0
    assert list(counts) == [s.value for s in S]


def test_a_mercado_livre_kit_is_not_writable_and_a_multi_origin_full_listing_is():
    from dataclasses import replace

    from services.linking import KIT_REASON

    cat = catalogue(products=["KIT", "A1"])
    kit = replace(listing("MLB1", "KIT"), tags=("bundle",))
    [link] = build_links([kit], cat)
    assert (link.state, link.reason) == (S.NOT_WRITABLE, KIT_REASON)
    assert build_links([kit], cat, multi_origin=True)[0].state == S.NOT_WRITABLE
    # whatever code it carries (none, one the ERP lacks): a kit is said to be a kit, not "add it to the ERP"
    for code in (None, "ZZ"):
        assert build_links([replace(kit, reference_code=code)], cat)[0].reason == KIT_REASON
    # a seller with warehouse_management writes its own warehouse next to Full: linked, Full left alone
    full = listing("MLB2", "A1", full=True)
    assert build_links([full], cat)[0].state == S.NOT_WRITABLE
    assert build_links([full], cat, multi_origin=True)[0].state == S.LINKED


def test_held_rows_are_the_ignored_and_lost_rows_build_links_makes_without_building_them():
    from services.linking import held_rows

    listings = [
        listing("MLB1", "NEW-CODE"),
        listing("MLB2", "B"),
        listing("MLB3", None),
        listing("MLB4", variations=[variation("V-1", vid=41), variation("V-2-NEW", vid=42)]),
    ]
    previous = [
        Link("MLB1", None, LinkState.LINKED, "OLD-CODE", "OLD-CODE"),
        Link("MLB4", 42, LinkState.LINKED, "V-2", "V-2"),
    ]
    links = build_links(listings, catalogue(["B", "NEW-CODE"]), previous, ignored={"MLB2"})
    built = {l.key: l.reason for l in links if l.state in (LinkState.LINK_LOST, LinkState.IGNORED)}
    assert held_rows(listings, previous, {"MLB2"}) == built and set(built) == {"MLB1", "MLB2", "MLB4:42"}
