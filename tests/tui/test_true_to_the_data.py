"""Every screen true to the data (issue 14): screens reload on the events that change what they show,
the connection screen's facts (where secrets live, last runs per kind, why a run failed), run statuses
in the seller's words, and a search that ignores case and accents."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from screens.connection import ConnectionView, RunSummary, runs_table, secrets_text
from screens.messages import UnlinkRequested
from screens.sync_logs import duration_text, run_cells
from services.linking import Link, LinkState
from services.reasons import Code, Reason
from services.run_facts import WAITING, failure_reason, shown_status, took_seconds
from services.secrets import SecretStore
from services.status_info import last_runs
from services.store.journal import FAILED, Journal
from services.store.links import LinkRepository, LinkTable
from services.store.run import Run
from services.text import fold
from tests.fixtures.tui import screen_text
from tests.fixtures.tui_sync import seed_links, settle, type_text, wait_until
from tests.tui.test_links import open_links
from tui.workers import ServiceGateway
from words.reasons import say

NOW = datetime(2026, 11, 30, 14, 5, tzinfo=UTC)


def _render(renderable) -> str:
    from rich.console import Console

    console = Console(width=200, record=True)
    console.print(renderable)
    return console.export_text()


# -- the links screen follows unlink --purge --------------------------------------------------------------


async def test_links_screen_empties_after_unlink_with_purge(make_sync_app, demo_home):
    seed_links(demo_home.home, 60)
    app = make_sync_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_links(app, pilot)
        assert screen.total == 60
        app.post_message(UnlinkRequested(purge=True))
        # No key pressed on the links screen: it must reload on its own.
        await wait_until(app, pilot, lambda: screen.settled and sum(screen.counts.values()) == 0, "the purge")
        assert screen.total == 0 and "No links yet" in screen_text(app)


# -- search: case and accents -----------------------------------------------------------------------------


def test_fold_ignores_case_and_accents():
    assert fold("AÇÃO") == fold("ação") == fold("acao") == "acao"


def test_folding_many_texts_at_once_folds_each_as_alone():
    """fold_all folds the links' search texts a batch at a time (issue 14: one C pass per batch); each text must
    come out as `fold` makes it, whatever it holds (accents, ligatures, the batch separator, nothing)."""
    import unicodedata

    from services.text import fold_all

    def by_hand(text: str) -> str:
        decomposed = unicodedata.normalize("NFKD", text)
        return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()

    texts = ["AÇÃO", "Tênis ß ﬁ", "plain", "", "x\u0301y", "a]b\\c^-", "nul\x00é", "İ ǅ"] * 400
    assert fold_all(texts) == [by_hand(t) for t in texts] == [fold(t) for t in texts]
    assert fold_all([]) == []


def test_link_table_search_ignores_case_and_accents(melisync_home):
    links = [
        Link(
            listing_id=f"MLB{i}",
            variation_id=None,
            state=LinkState.LINKED,
            reference_code=f"C{i}",
            erp_code=f"C{i}",
            title=title,
        )
        for i, title in enumerate(("Tapete Ação Azul", "Tapete Comum", "ACAO verde"))
    ]
    LinkRepository(home=melisync_home).replace_all(links)
    table = LinkTable(LinkRepository(home=melisync_home))
    for needle in ("acao", "AÇÃO", "ação", "Acão"):
        assert {l.listing_id for l in table.query(search=needle).rows} == {"MLB0", "MLB2"}, needle


async def test_search_on_screen_ignores_accents_and_says_what_hides_the_rows(make_sync_app, demo_home):
    links = seed_links(demo_home.home, 100)
    accented = [l for l in links if "Térmica" in l.title]
    app = make_sync_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_links(app, pilot)
        await pilot.press("slash")
        await type_text(pilot, "TERMICA")
        await settle(app, pilot)
        assert screen.total == len(accented) > 0
        # An empty result says which search hides the rows and the key that clears it.
        await type_text(pilot, "zz")
        await settle(app, pilot)
        assert screen.total == 0
        assert 'No row matches "TERMICAzz": Esc clears the search.' in screen_text(app)
        await pilot.press("enter", "escape")  # back in the table, Esc still clears the search
        await settle(app, pilot)
        assert screen.total == 100 and screen.query_state.search == ""


# -- the journal's facts, as shown --------------------------------------------------------------------------


def _run(**fields) -> Run:
    return Run.from_record(
        {
            "id": 1,
            "kind": "all",
            "status": "running",
            "started_at": NOW.isoformat(),
            "ended_at": None,
            "counts": {},
            "errors": [],
            "notes": [],
            **fields,
        }
    )


def test_a_plan_waiting_for_confirmation_is_not_running():
    waiting = _run(planned_at=(NOW + timedelta(seconds=3)).isoformat())
    assert shown_status(waiting) == WAITING
    assert "waiting for confirmation" in str(run_cells(waiting)[3])
    assert shown_status(_run(planned_at="x", applied_at="y")) == "running"
    assert str(run_cells(_run(status="dry_run"))[3]) == "dry run"  # never the journal's `dry_run`


def test_took_is_the_apply_time_not_the_wait_for_confirmation():
    run = _run(
        status="finished",
        planned_at=(NOW + timedelta(seconds=5)).isoformat(),
        applied_at=(NOW + timedelta(minutes=10)).isoformat(),
        ended_at=(NOW + timedelta(minutes=10, seconds=43)).isoformat(),
    )
    assert took_seconds(run) == 43 and duration_text(run) == "0:43"


def test_last_runs_per_kind_count_all_runs_and_say_why_one_failed(melisync_home):
    journal = Journal(home=melisync_home)
    products = journal.start("products", False)
    journal.finish(products, "finished", {"done": 3})
    every = journal.start("all", False)
    journal.record(every, [], [{"message": "Mercado Livre could not be reached", "item_id": "MLB9"}])
    journal.finish(every, FAILED, {"done": 0})
    last = last_runs(melisync_home)
    assert {kind: run.id for kind, run in last.items()} == {
        "products": every,
        "stock": every,
        "customers": every,
        "all": every,
    }
    assert say(failure_reason(last["stock"])) == "MLB9: Mercado Livre could not be reached"  # a run of an older version
    summaries = ServiceGateway._last_runs(melisync_home)
    view = ConnectionView(now=NOW, last_runs=summaries)
    text = _render(runs_table(view))
    assert "never" not in text and "MLB9: Mercado Livre could not be reached" in text


def test_failure_reason_falls_back_to_the_last_note():
    assert failure_reason(_run(status="cancelled", notes=[{"code": "not_confirmed", "values": {}}])) == Reason(
        Code.NOT_CONFIRMED
    )
    assert say(failure_reason(_run(status="cancelled", notes=["an older version's note"]))) == "an older version's note"
    assert failure_reason(_run(status="finished", notes=["a note"])) is None


# -- where the secrets are -----------------------------------------------------------------------------------


def test_connection_screen_says_where_the_client_secret_is(melisync_home, meli_config):
    gateway = ServiceGateway(meli_config)
    SecretStore(meli_config.home).set_client_secret("the-client-secret")
    view = gateway.status()
    assert view.client_secret_store and not view.secret_store  # not connected yet, the secret is stored
    text = _render(secrets_text(view))
    assert "nothing stored yet" not in text and "client secret" in text
    assert "the-client-secret" not in text


def test_runs_table_words():
    view = ConnectionView(now=NOW, last_runs=(RunSummary("stock", NOW, "dry_run"),))
    assert "dry run" in _render(runs_table(view)) and "dry_run" not in _render(runs_table(view))


# -- the footer never cuts a key -------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "pt_BR"])
async def test_footer_never_cuts_a_key_at_80_columns(make_sync_app, demo_home, lang):
    from textual.widgets._footer import FooterKey

    from screens import KeysFooter

    seed_links(demo_home.home, 30)
    app = make_sync_app(lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        for key in ("1", "2", "3", "4"):
            await pilot.press(key)
            await settle(app, pilot)
            footer = app.screen.query_one(KeysFooter)
            text = screen_text(app).splitlines()[-1]
            shown = [k for k in footer.query(FooterKey) if not k.has_class("-command-palette")]
            assert shown, f"screen {key}: no key in the footer"
            for item in shown:
                assert f"{item.key_display} {item.description}" in text, (key, item.description, text)
        await pilot.press("2")
        await settle(app, pilot)
        assert "⏎ " in screen_text(app).splitlines()[-1]  # Enter (open the mapping) is found


# -- export of the table on screen, copy a listing id -----------------------------------------------------


async def test_export_the_filtered_links_to_csv_and_copy_a_listing_id(make_sync_app, demo_home, tmp_path, monkeypatch):
    import csv

    monkeypatch.chdir(tmp_path)
    links = seed_links(demo_home.home, 250)
    lost = [l for l in links if l.state == LinkState.LINK_LOST]
    app = make_sync_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_links(app, pilot)
        await pilot.press("x")
        await settle(app, pilot)
        await pilot.press("X")
        await wait_until(app, pilot, lambda: list(tmp_path.glob("melisync-links-*.csv")), "the export")
        [path] = tmp_path.glob("melisync-links-*.csv")
        with path.open(encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        # Every row of the filter, not only the page on screen.
        assert sorted(r["listing_id"] + r["variation_id"] for r in rows) == sorted(
            l.listing_id + str(l.variation_id or "") for l in lost
        )
        assert any("rows exported to" in n.message for n in app._notifications)
        copied = []
        monkeypatch.setattr(app, "copy_to_clipboard", copied.append)
        await pilot.press("y")
        assert copied == [screen.current_link().listing_id]


# -- settings from the TUI -----------------------------------------------------------------------------------


async def test_settings_are_validated_like_config_set_and_saved_all_or_nothing(make_sync_app, demo_home):
    from textual.widgets import Input, Label

    from screens.settings import SettingsModal
    from services.config import load_config

    app = make_sync_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("s")
        await settle(app, pilot)
        modal = app.screen
        assert isinstance(modal, SettingsModal)
        rate = modal.query_one("#setting-requests_per_second", Input).value
        assert rate.isdigit(), rate  # as the operator would type it ("500", not "500.0")
        modal.query_one("#setting-safety_stock", Input).value = "2"
        modal.query_one("#setting-concurrency", Input).value = "many"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is modal and "whole number" in str(modal.query_one("#settings-error", Label).content)
        assert load_config(demo_home.home).safety_stock == 0  # nothing half-saved
        modal.query_one("#setting-concurrency", Input).value = "3"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert not isinstance(app.screen, SettingsModal)
        saved = load_config(demo_home.home)
        assert (saved.safety_stock, saved.concurrency) == (2, 3)
        assert app.config.safety_stock == 2 and app.sync_services.config.safety_stock == 2  # later syncs use it
        # The modal is dismissed with the changes saved; the App's callback says so once.
        saved_toasts = [n.message for n in app._notifications if n.message.startswith("Settings saved")]
        assert saved_toasts == ["Settings saved: safety_stock = 2, concurrency = 3."]
        await pilot.press("s")
        await settle(app, pilot)
        await pilot.press("escape")  # cancelled: dismissed with None, nothing said
        await settle(app, pilot)
        assert not isinstance(app.screen, SettingsModal)
        assert len([n for n in app._notifications if n.message.startswith("Settings saved")]) == 1
