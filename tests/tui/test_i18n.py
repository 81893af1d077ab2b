"""The translation layer: language detection, formatting, fallback, and the gettext catalogues
(services/locale/): every text of the source has a pt_BR translation, no translation is left for a text
that is gone, the shipped .mo is the .po compiled, and plurals follow the catalogue's rule."""

from __future__ import annotations

import ast
import gettext
import io
import string
import tomllib
from functools import cache
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_keywords
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from services.errors import BadInput
from services.i18n import _, _n, detect_language, set_language
from services.locale import DOMAIN, LOCALEDIR

ROOT = Path(__file__).resolve().parents[2]
PO = LOCALEDIR / "pt_BR" / "LC_MESSAGES" / f"{DOMAIN}.po"
MO = PO.with_suffix(".mo")
HOW = "run `pybabel extract && pybabel update`, translate in the .po, `pybabel compile` (docs/internals.md)"


@cache
def extracted() -> dict[str | tuple[str, ...], str]:
    """Every message id in the source, as Babel extracts it with the project's own settings
    ([tool.babel.extract_messages] in pyproject.toml) -> where it is."""
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["babel"]["extract_messages"]
    keywords = parse_keywords(settings["keywords"])
    found: dict[str | tuple[str, ...], str] = {}
    for folder in settings["input_paths"]:
        for filename, lineno, message, _comments, _context in extract_from_dir(ROOT / folder, keywords=keywords):
            found.setdefault(message, f"{folder}/{filename}:{lineno}")
    return found


def catalogue(path: Path = PO):
    with path.open("rb") as file:
        return read_po(file, locale="pt_BR")


def translated(message) -> bool:
    """A translation the app will show: every form non-empty, not fuzzy (gettext skips fuzzy ones)."""
    forms = message.string if isinstance(message.string, tuple) else (message.string,)
    return not message.fuzzy and all(forms)


def test_every_text_of_the_source_has_a_brazilian_portuguese_translation():
    po = catalogue()
    missing = [
        f"{where}: {msgid!r}"
        for msgid, where in extracted().items()
        if po.get(msgid) is None or not translated(po.get(msgid))
    ]
    assert missing == [], f"no pt_BR translation ({HOW}):\n" + "\n".join(missing)


def test_no_translation_is_left_for_a_text_that_is_gone():
    ids = set(extracted())
    stale = [repr(message.id) for message in catalogue() if message.id and message.id not in ids]
    assert stale == [], f"these texts are no longer in the source ({HOW}):\n" + "\n".join(stale)


def test_every_marked_literal_is_seen_by_the_extraction():
    """`_()` inside an f-string is invisible to Babel on Python 3.11 (the f-string is one token): such a
    text would never reach the catalogue. The syntax tree sees every call; each literal must be extracted."""
    ids = {form for msgid in extracted() for form in (msgid if isinstance(msgid, tuple) else (msgid,))}
    unseen = []
    for folder in ("cli", "tui", "screens", "services"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text("utf-8"))):
                name = getattr(node, "func", None) and getattr(node.func, "id", None)
                if name not in ("_", "N_", "_n"):
                    continue
                for arg in node.args[: 2 if name == "_n" else 1]:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and arg.value not in ids:
                        unseen.append(f"{path.relative_to(ROOT)}:{node.lineno}: {arg.value!r}")
    assert unseen == [], "take `_()` out of the f-string:\n" + "\n".join(unseen)


def test_the_shipped_mo_is_the_po_compiled():
    po = catalogue()
    compiled = io.BytesIO()
    write_mo(compiled, po)  # as `pybabel compile` does: fuzzy entries left out
    compiled.seek(0)
    want = gettext.GNUTranslations(compiled)
    with MO.open("rb") as file:
        shipped = gettext.GNUTranslations(file)

    def messages(translations: gettext.GNUTranslations) -> dict:
        return {key: text for key, text in translations._catalog.items() if key != ""}  # "" is the header

    assert messages(shipped) == messages(want), f"the .mo is older than the .po: run `pybabel compile` ({HOW})"
    assert [shipped.plural(n) for n in range(5)] == [want.plural(n) for n in range(5)]


def test_the_catalogue_says_brazilian_plurals():
    assert catalogue().plural_forms == "nplurals=2; plural=(n > 1);"


def test_plurals_follow_the_catalogue_rule():
    forms = ("{count} row ignored.", "{count} rows ignored.")
    try:
        set_language("pt_BR")
        # Brazilian Portuguese takes the singular for 0 and 1 ("0 linha"), unlike English.
        assert [_n(*forms, n) for n in (0, 1, 2, 1000)] == [
            "0 linha ignorada.",
            "1 linha ignorada.",
            "2 linhas ignoradas.",
            "1000 linhas ignoradas.",
        ]
    finally:
        set_language("en")
    assert [_n(*forms, n) for n in (0, 1, 2)] == ["0 rows ignored.", "1 row ignored.", "2 rows ignored."]


def test_translations_keep_the_same_placeholders():
    def fields(text: str) -> set[str]:
        return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name}

    wrong = []
    for message in catalogue():
        if not message.id or not translated(message):
            continue
        sources = message.id if isinstance(message.id, tuple) else (message.id,)
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set().union(*(fields(source) for source in sources))
        wrong += [(message.id, form) for form in forms if fields(form) - wanted or (wanted - fields(form)) - {"count"}]
    assert wrong == []


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


def test_switching_language_back_and_forth_in_one_process():
    try:
        for _round in range(2):
            set_language("pt_BR")
            assert _("Connection") == "Conexão"
            set_language("en")
            assert _("Connection") == "Connection"
    finally:
        set_language("en")
