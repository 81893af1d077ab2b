"""Reasons: the services give a code and values (services/reasons.py), the edge chooses the words
(words/reasons.py) in the operator's language. Every code has words in English and in pt_BR; files written by
older versions (English texts) still read and show; `--json` keeps a stable machine form."""

from __future__ import annotations

import ast
import json
import string
from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.i18n import set_language
from services.reasons import Code, Reason, cut_list
from words.reasons import TEMPLATES, printable_error, printable_row, printable_run, say, say_english

ROOT = Path(__file__).resolve().parent.parent
MOMENT = "2026-11-30T17:05:00+00:00"


@pytest.fixture
def portuguese():
    set_language("pt_BR")
    yield
    set_language("en")


@pytest.fixture
def sao_paulo(monkeypatch):
    """The machine's time zone is the operator's (local_time): fixed here so the test reads the same anywhere."""
    import time

    monkeypatch.setenv("TZ", "America/Sao_Paulo")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def _fields(template: str) -> list[str]:
    return [name for _lit, name, _spec, _conv in string.Formatter().parse(template) if name]


def _sample(code: Code, count: int) -> Reason:
    words = TEMPLATES[code]
    names = set(_fields(words.one)) | set(_fields(words.many or ""))
    numbers = {
        name for text in (words.one, words.many or "") for _l, name, spec, _c in string.Formatter().parse(text) if spec
    }
    values: dict = {name: 100 + i if name in numbers else f"V{i}" for i, name in enumerate(sorted(names))}
    values.update({name: MOMENT for name in words.dates})
    if "count" in names or words.many:
        values["count"] = count
    return Reason(code, **values)


def _letters(text: str) -> str:
    """The words of a template, its {placeholders} left out."""
    return "".join(ch for lit, *_ in string.Formatter().parse(text) for ch in lit if ch.isalpha())


SAYABLE = [code for code in Code if code not in (Code.TEXT, Code.SEVERAL)]


def test_every_code_has_words():
    assert [code for code in SAYABLE if code not in TEMPLATES] == []


@pytest.mark.parametrize("code", SAYABLE, ids=lambda c: c.value)
@pytest.mark.parametrize("count", [1, 3])
def test_every_code_reads_in_english_and_portuguese(code, count, sao_paulo):
    reason = _sample(code, count)
    english = say(reason)
    set_language("pt_BR")
    try:
        portuguese = say(reason)
    finally:
        set_language("en")
    for text in (english, portuguese):
        assert "{" not in text and "}" not in text, text  # every value filled
        assert "(s)" not in text and "(ões)" not in text
        assert not text.startswith("["), text  # not the fallback of a template that failed
    words = TEMPLATES[code]
    template = words.one if count == 1 or words.many is None else words.many
    if _letters(template):  # a template with words (not "{code} -> {where}") is translated
        assert portuguese != english
    shown = [v for name, v in reason.values.items() if name not in words.dates and name in _fields(template)]
    assert all(str(v) in portuguese and str(v) in english for v in shown)  # no value lost in translation
    if words.dates:
        assert "30/11/2026 14:05" in portuguese and "2026-11-30 14:05" in english  # local time, each its format


def test_counts_pick_singular_and_plural_in_both_languages(portuguese):
    one = Reason(Code.LISTINGS_UNREAD, count=1, ids="MLB1")
    two = Reason(Code.LISTINGS_UNREAD, count=2, ids="MLB1, MLB2")
    assert say(one) == "1 anúncio não pôde ser lido e ficou como estava: MLB1"
    assert say(two) == "2 anúncios não puderam ser lidos e ficaram como estavam: MLB1, MLB2"
    assert say_english(two) == "2 listings could not be read and were left as they were: MLB1, MLB2"
    assert say(one) == "1 anúncio não pôde ser lido e ficou como estava: MLB1"  # say_english put pt_BR back


def test_nested_and_joined_reasons_read_in_one_language(portuguese):
    problem = Reason(Code.WAREHOUSE_NOT_CHOSEN, count=2, choices="7700000 (Depósito 1), 7700001 (Depósito 2)")
    assert say(Reason(Code.STOCK_NOT_WRITTEN, problem=problem)) == (
        "o estoque não é gravado: o vendedor tem 2 depósitos e nenhum foi escolhido: execute `melisync config set "
        "warehouse <store_id>` (opções: 7700000 (Depósito 1), 7700001 (Depósito 2))"
    )
    joined = Reason.join(Reason(Code.LISTING_STATUS, status="paused"), Reason(Code.IGNORED))
    assert say(joined) == "anúncio com status paused; ignorada pelo operador"
    assert Reason.join(None, Reason(Code.IGNORED)) == Reason(Code.IGNORED) and Reason.join(None) is None
    assert say(Reason.text("Mercado Livre answered 409 conflict")) == "Mercado Livre answered 409 conflict"
    assert say(Reason(Code.NOT_COVERED, count=12, since=MOMENT, days=90, codes=cut_list([str(i) for i in range(12)])))
    assert "e mais 2" in say(Reason(Code.HOLDS, units=1, orders=1, holds=cut_list([str(i) for i in range(12)])))


def test_the_first_sync_note_shows_a_local_time_in_the_operators_format(portuguese, sao_paulo):
    note = Reason(Code.FIRST_ORDERS, since="2026-11-30T17:05:00+00:00")
    assert say(note).endswith("(pedidos lidos desde 30/11/2026 14:05)")
    assert say_english(note).endswith("(orders read since 2026-11-30 14:05)")


def test_a_reason_goes_to_json_and_back():
    reason = Reason.join(
        Reason(Code.STOCK_MOVED, message="409 conflict", next=Reason(Code.STILL_MOVING)),
        Reason(Code.WAREHOUSE_WRITTEN, store="77", up="UP1", before=1, after=2),
    )
    stored = json.loads(json.dumps(reason.to_json()))
    assert Reason.from_json(stored) == reason
    assert hash(Reason.from_json(stored)) == hash(reason)
    assert Reason.from_json(None) is None and Reason.from_json("") is None
    # a code from a newer melisync, or a damaged value: shown, never a crash
    assert say(Reason.from_json({"code": "from_the_future", "values": {}})) == "from_the_future"
    assert say(Reason.from_json({"code": "unknown_code", "values": {}})).startswith("[unknown_code]")
    assert say(Reason.from_json({"code": "unknown_code", "values": {"code": [1, {"x": 1}]}}))


@pytest.mark.parametrize(
    ("old", "reads_as"),
    [
        ("reference code changed from A to B (S6)", Reason.text("reference code changed from A to B")),
        ("ERP product LUM-ART has no variations; the listing has 3 (S8)", None),
        (
            "a Mercado Livre kit: its stock is computed from its components' stock; melisync writes the components, "
            "never the kit",
            Reason(Code.KIT),
        ),
        ("Full (fulfillment): stock is kept by Mercado Livre and cannot be written", Reason(Code.FULL)),
        ("ignored by the operator", Reason(Code.IGNORED)),
        (
            "Mercado Livre refused the stock write: 400 not_modifiable",
            Reason(Code.ML_REFUSED, message="400 not_modifiable"),
        ),
    ],
)
def test_texts_written_by_older_versions_still_read(old, reads_as):
    found = Reason.from_json(old)
    if reads_as is not None:
        assert found == reads_as
    shown = say(found)
    assert "(S" not in shown and shown  # rule ids are never shown


def test_json_output_keeps_the_text_and_adds_the_code_and_values():
    row = {"kind": "stock", "reason": Reason(Code.NO_STOCK_RECORD, code="TAP").to_json(), "status": "skipped"}
    printed = printable_row(row)
    assert printed["reason"] == "no stock record in the ERP for TAP"
    assert (printed["reason_code"], printed["reason_values"]) == ("no_stock_record", {"code": "TAP"})
    assert printable_row({"reason": None})["reason_code"] is None
    old = printable_row({"reason": "Full (fulfillment): stock is kept by Mercado Livre and cannot be written"})
    assert old["reason_code"] == "full"
    error = printable_error({"message": "boom", "kind": "OperationFailed"})
    assert (error["message"], error["reason_code"]) == ("boom", "text")
    run = printable_run({"notes": [Reason(Code.NOT_CONFIRMED).to_json(), "an old note"], "errors": [], "actions": []})
    assert run["notes"] == ["not confirmed: nothing was written", "an old note"]
    assert [n["code"] for n in run["note_codes"]] == ["not_confirmed", "text"]


def test_printed_json_is_english_whatever_the_language(portuguese):
    row = printable_row({"reason": Reason(Code.IGNORED).to_json()})
    assert row["reason"] == "ignored by the operator"
    assert say(Reason(Code.IGNORED)) == "ignorada pelo operador"


def _service_strings() -> list[tuple[str, str]]:
    found = []
    for path in sorted((ROOT / "services").rglob("*.py")):
        if "locale" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.append((f"{path.relative_to(ROOT)}:{node.lineno}", node.value))
    return found


def test_no_service_text_says_s_in_parentheses():
    # "5 sale(s)" is never shown: counts pick their form through `_n` at the edge.
    assert [(where, s) for where, s in _service_strings() if "(s)" in s.replace("http(s)", "")] == []


def test_the_regex_translation_is_gone():
    import services.i18n
    import services.locale

    assert not hasattr(services.i18n, "known") and not hasattr(services.locale, "patterns")
    sources = [
        p.read_text("utf-8") for folder in ("cli", "tui", "screens", "words") for p in (ROOT / folder).rglob("*.py")
    ]
    assert not any("known(" in s or "PATTERNS_PT_BR" in s for s in sources)


# -- files written by older versions -------------------------------------------------------------------------


def test_an_old_links_file_reads_and_shows(melisync_home, capsys):
    from cli.main import main
    from services.store.links import LinkRepository

    old = [
        {
            "fields": [
                "listing_id",
                "variation_id",
                "state",
                "reference_code",
                "erp_code",
                "title",
                "variation_label",
                "erp_name",
                "erp_stock",
                "ml_stock",
                "reason",
                "user_product_id",
                "family_name",
            ],
            "version": 1,
        },
        [
            "MLB1",
            None,
            "link_lost",
            "NEW",
            "OLD",
            "Caneca",
            "",
            None,
            None,
            3,
            "reference code changed from OLD to NEW (S6)",
            None,
            None,
        ],
        [
            "MLB2",
            None,
            "not_writable",
            "KIT",
            None,
            "Kit",
            "",
            None,
            None,
            3,
            "a Mercado Livre kit: its stock is computed from its components' stock; melisync writes the components, "
            "never the kit",
            None,
            None,
        ],
        ["MLB3", None, "linked", "TAP", "TAP", "Tapete", "", "Tapete", 2, 2, "", None, None],
    ]
    melisync_home.mkdir(parents=True, exist_ok=True)
    (melisync_home / "links.jsonl").write_text("".join(json.dumps(line) + "\n" for line in old), "utf-8")
    links = {link.listing_id: link for link in LinkRepository(home=melisync_home).all()}
    assert say(links["MLB1"].reason) == "reference code changed from OLD to NEW"
    assert links["MLB2"].reason == Reason(Code.KIT) and links["MLB3"].reason is None
    assert main(["links"]) == 0
    out = capsys.readouterr().out
    assert "(reference code changed from OLD to NEW)" in out and "(S6)" not in out
    assert main(["links", "--json"]) == 0
    printed = {row["listing_id"]: row for row in json.loads(capsys.readouterr().out)["links"]}
    assert printed["MLB2"]["reason_code"] == "kit" and printed["MLB1"]["reason_code"] == "text"
    assert printed["MLB3"]["reason"] == "" and printed["MLB3"]["reason_code"] is None


def test_an_old_journal_run_reads_and_shows(melisync_home, capsys):
    from cli.main import main
    from services.store.journal import Journal

    journal = Journal(home=melisync_home)
    run_id = journal.start("stock", False)
    journal.record(
        run_id,
        [
            {
                "kind": "stock",
                "item_id": "MLB1",
                "variation_id": None,
                "erp_code": "A",
                "from": 1,
                "to": 2,
                "status": "failed",
                "reason": "read-back shows 1, expected 2: Mercado Livre did not keep the write",
                "key": None,
            },
            {
                "kind": "stock",
                "item_id": "MLB2",
                "variation_id": None,
                "erp_code": "B",
                "from": 1,
                "to": None,
                "status": "skipped",
                "reason": "link_lost: reference code changed from B to C (S6)",
                "key": None,
            },
        ],
        [{"message": "read-back shows 1, expected 2: Mercado Livre did not keep the write", "item_id": "MLB1"}],
    )
    journal.finish(run_id, "failed", {"done": 0, "failed": 1, "skipped": 1}, ["stock is not written: who knows"])
    assert main(["log", "--run", str(run_id)]) == 0
    out = capsys.readouterr().out
    assert "note: stock is not written: who knows" in out
    assert "(link_lost: reference code changed from B to C)" in out and "(S6)" not in out
    assert "ERROR MLB1 read-back shows 1, expected 2" in out
    assert main(["log", "--run", str(run_id), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["run"]["notes"] == ["stock is not written: who knows"]
    assert printed["actions"][1]["reason"] == "link_lost: reference code changed from B to C"
    assert printed["run"]["errors"][0]["reason_code"] == "text"
    assert main(["log"]) == 0 and main(["log", "--csv"]) == 0


def test_a_new_journal_run_keeps_codes_and_values(melisync_home):
    from services.store.journal import Journal
    from services.sync.plan import Action, ActionKind, ActionStatus

    journal = Journal(home=melisync_home)
    run_id = journal.start("stock", False)
    action = Action(
        ActionKind.STOCK, "MLB1", status=ActionStatus.SKIPPED, reason=Reason(Code.NO_STOCK_RECORD, code="A")
    )
    journal.record(run_id, [action.to_dict()])
    journal.finish(run_id, "finished", {}, [Reason(Code.NOT_CONFIRMED).to_json()])
    stored = journal.actions(run_id)[0]
    assert stored["reason"] == {"code": "no_stock_record", "values": {"code": "A"}}
    assert Action.from_dict(stored) == action
    assert Reason.from_json(journal.run(run_id).notes[0]) == Reason(Code.NOT_CONFIRMED)


async def test_the_links_screen_explains_a_lost_link_in_portuguese(make_app, melisync_home):
    from tests.fixtures.tui import CONNECTED
    from tests.fixtures.tui_sync import seed_links, wait_until
    from tests.tui.test_links import open_links

    seed_links(melisync_home, 30)
    app, _gateway = make_app(CONNECTED, lang="pt_BR")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_links(app, pilot)
        await pilot.press("x")
        await wait_until(app, pilot, lambda: screen.settled and screen.rows, "the lost links")
        detail = str(screen.query_one("#links-detail").content)
        assert "código de referência mudou de COD-X para COD-Y" in detail and "(S6)" not in detail


def test_moments_are_not_shown_in_utc_words():
    # The services give moments as ISO values; the words show them in the operator's time zone.
    note = Reason(Code.FIRST_CUSTOMERS, since=datetime(2026, 11, 30, 17, 5, tzinfo=UTC).isoformat())
    assert "UTC" not in say(note)


def test_a_skipped_rows_link_state_is_in_words_in_portuguese(portuguese):
    """The plan's skipped rows said "(structure_mismatch: o produto ERP ...)": the state's id inside Portuguese."""
    reason = Reason(Code.LINK_STATE, state="structure_mismatch", why=Reason(Code.UNKNOWN_CODE, code="X-1"))
    assert say(reason) == "estrutura diferente: X-1 não está no ERP"
    assert say_english(reason) == "structure_mismatch: X-1 is not in the ERP"  # English shows the state's id


def test_each_count_of_a_run_picks_its_own_plural_form(portuguese):
    """ "9 a fazer, 0 feitas, 0 com falha, 1 puladas": one sentence cannot pick one form for five counts."""
    from screens.sync_plan import counts_line
    from words.counts import outcome_counts

    counts = {"planned": 9, "done": 2, "failed": 0, "skipped": 1, "unchanged": 55}
    assert counts_line(counts) == "9 a fazer, 2 feitas, 0 com falha, 1 pulada, 55 já certas"
    assert outcome_counts({"done": 1, "skipped": 11}, ("done", "skipped")) == "1 feita, 11 puladas"
    set_language("en")
    assert counts_line(counts) == "9 to do, 2 done, 0 failed, 1 skipped, 55 already right"


def test_a_plans_writes_and_changes_each_pick_their_plural(portuguese):
    """The confirm of a plan said "1 writes to Mercado Livre" / "1 gravações": one form for any count."""
    from screens.sync_plan import _writes_and_changes

    assert _writes_and_changes(1, 2) == {"ml": "1 gravação no Mercado Livre", "erp": "2 alterações no ERP"}
    set_language("en")
    assert _writes_and_changes(2, 1) == {"ml": "2 writes to Mercado Livre", "erp": "1 change in the ERP"}
