"""The translation layer: language detection, formatting, fallback, and a complete pt_BR catalogue
for every user-facing string of the screens and the App."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from services import i18n
from services.errors import BadInput
from services.i18n import _, detect_language, set_language
from services.locale import catalogue

ROOT = Path(__file__).resolve().parents[2]
UI_DIRS = ("screens", "tui")


def ui_strings() -> dict[str, str]:
    """Every literal given to `_()`/`N_()`, every Binding description and TITLE_TEXT -> where it is."""
    found: dict[str, str] = {}
    for folder in UI_DIRS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text("utf-8"))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                literal = None
                if name == "_n" and len(node.args) >= 2:  # singular and plural both need a translation
                    for form in node.args[:2]:
                        if isinstance(form, ast.Constant) and isinstance(form.value, str):
                            found.setdefault(form.value, f"{path.relative_to(ROOT)}:{node.lineno}")
                    continue
                if name in ("_", "N_") and node.args:
                    literal = node.args[0]
                elif name == "Binding" and len(node.args) >= 3:
                    literal = node.args[2]
                elif name == "Group" and node.args:
                    literal = node.args[0]
                if isinstance(literal, ast.Constant) and isinstance(literal.value, str) and literal.value:
                    found.setdefault(literal.value, f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_every_ui_string_has_a_brazilian_portuguese_translation():
    pt = catalogue("pt_BR")
    missing = {text: where for text, where in ui_strings().items() if text not in pt}
    assert missing == {}, "add these to a module in services/locale/ (see docs/internals.md)"


def test_translations_keep_the_same_placeholders():
    import string

    def fields(text: str) -> set[str]:
        return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name}

    wrong = {src: dst for src, dst in catalogue("pt_BR").items() if fields(src) != fields(dst)}
    assert wrong == {}


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"LANG": "pt_BR.UTF-8"}, "pt_BR"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LANG": "pt_BR.UTF-8", "LC_ALL": "C"}, "en"),  # LC_ALL wins over LANG, as in gettext
        ({"LANGUAGE": "pt_BR:en", "LANG": "en_US.UTF-8"}, "pt_BR"),
        ({"LANGUAGE": "fr:pt", "LANG": "en_US.UTF-8"}, "pt_BR"),  # first language we have
        ({"LC_MESSAGES": "pt_PT.UTF-8"}, "pt_BR"),
        ({"LANG": "de_DE.UTF-8"}, "en"),
        ({}, "en"),
    ],
)
def test_language_follows_the_environment(environ, expected):
    assert detect_language(environ) == expected


def test_lang_option_overrides_and_unknown_is_bad_input(monkeypatch):
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    try:
        assert set_language("pt-BR") == "pt_BR"
        assert _("Connection") == "Conexão"
        assert _("in {minutes} min", minutes=5) == "em 5 min"
        assert _("a sentence nobody translated {n}", n=3) == "a sentence nobody translated 3"
        with pytest.raises(BadInput, match="pt_BR"):
            set_language("klingon")
        assert set_language(None) == "en"
        assert _("Connection") == "Connection"
    finally:
        set_language("en")


def test_dates_follow_the_language():
    from datetime import datetime

    when = datetime(2026, 11, 27, 9, 5)
    try:
        set_language("pt_BR")
        assert _("{when:%Y-%m-%d %H:%M}", when=when) == "27/11/2026 09:05"
    finally:
        set_language("en")
    assert _("{when:%Y-%m-%d %H:%M}", when=when) == "2026-11-27 09:05"


def test_two_areas_cannot_translate_one_text_differently(monkeypatch, tmp_path):
    import sys
    import types

    import services.locale as locale_pkg

    clash = types.ModuleType("services.locale.zz_clash")
    clash.PT_BR = {"Connection": "Ligação"}
    monkeypatch.setitem(sys.modules, "services.locale.zz_clash", clash)
    monkeypatch.setattr(
        locale_pkg.pkgutil,
        "iter_modules",
        lambda path: [types.SimpleNamespace(name="connection"), types.SimpleNamespace(name="zz_clash")],
    )
    catalogue.cache_clear()
    try:
        with pytest.raises(ValueError, match="Connection"):
            catalogue("pt_BR")
    finally:
        monkeypatch.undo()
        catalogue.cache_clear()
    assert i18n.language() in i18n.LANGUAGES


def test_translated_service_messages_still_exist_in_the_services():
    from services.locale import service_errors

    constants: set[str] = set()
    for path in (ROOT / "services").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                constants.add(node.value)
    stale = [text for text in service_errors.PT_BR if text not in constants]
    assert stale == [], "a service reworded a message: update services/locale/service_errors.py"
