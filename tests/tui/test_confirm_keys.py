"""The yes/no confirmation answers to the keys its buttons show: y/n in English; s (Sim) or y, and n (Não)
in Portuguese. Each button names its key."""

from __future__ import annotations

import pytest
from textual.app import App

from screens.confirm import ConfirmModal
from services.i18n import set_language
from tests.fixtures.tui import screen_text


class Asker(App):
    def __init__(self, lang: str) -> None:
        set_language(lang)
        super().__init__()
        self.answers: list = []

    def ask(self) -> None:
        self.push_screen(ConfirmModal("Title", "Body", yes="Write"), self.answers.append)


@pytest.fixture(autouse=True)
def english_afterwards():
    yield
    set_language("en")


@pytest.mark.parametrize(
    ("lang", "key", "answer"),
    [
        ("en", "y", True),
        ("en", "n", False),
        ("en", "s", None),
        ("en", "escape", False),
        ("pt_BR", "s", True),
        ("pt_BR", "y", True),
        ("pt_BR", "n", False),
        ("pt_BR", "escape", False),
    ],
)
async def test_keys_answer_in_the_language(lang, key, answer):
    app = Asker(lang)
    async with app.run_test(size=(80, 24)) as pilot:
        app.ask()
        await pilot.pause()
        await pilot.press(key)
        await pilot.pause()
        assert app.answers == ([] if answer is None else [answer])
        assert isinstance(app.screen, ConfirmModal) == (answer is None)


@pytest.mark.parametrize(("lang", "shown"), [("en", ("Write (y)", "No (n)")), ("pt_BR", ("Gravar (s)", "Não (n)"))])
async def test_buttons_show_the_keys_of_the_language(lang, shown):
    from services.i18n import _

    app = Asker(lang)
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(ConfirmModal("Title", "Body", yes=_("Write")), app.answers.append)
        await pilot.pause()
        text = screen_text(app)
        assert all(label in text for label in shown), text
