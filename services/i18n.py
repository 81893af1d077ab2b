"""The one translation layer: `_("English source text", **fmt)` for services, screens and the CLI.

English source strings are the message ids of stdlib gettext catalogues (`services/locale/`, see
docs/internals.md "Translations"); `_n()` picks a plural form by the catalogue's own rule. The language
comes from `set_language()` (the `--lang` option) or, until then, from LANGUAGE / LC_ALL / LC_MESSAGES /
LANG like gettext.
"""

from __future__ import annotations

import gettext
import os
from collections.abc import Mapping
from datetime import datetime
from functools import cache

from services.locale import DOMAIN, LOCALEDIR

LANGUAGES = ("en", "pt_BR")
DEFAULT = "en"

_current: str | None = None


def normalize(raw: str | None) -> str | None:
    """ "pt_BR.UTF-8", "pt-br", "pt" -> "pt_BR"; "en_US" -> "en"; "C"/unknown -> None."""
    if not raw:
        return None
    code = raw.split(".")[0].split("@")[0].replace("-", "_").lower()
    if code.startswith("pt"):
        return "pt_BR"
    if code.startswith("en"):
        return "en"
    return None


def detect_language(environ: Mapping[str, str] | None = None) -> str:
    """The language the environment asks for, in gettext's order; English when none we have."""
    env = os.environ if environ is None else environ
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "")
        if not value:
            continue
        # LANGUAGE is a priority list ("pt_BR:en"); the others hold one locale.
        for candidate in value.split(":"):
            found = normalize(candidate)
            if found:
                return found
        if name != "LANGUAGE":
            # LC_ALL=C (or a language we lack) decides for itself, as gettext would.
            return DEFAULT
    return DEFAULT


def set_language(lang: str | None) -> str:
    """Use `lang` ("en", "pt_BR", "pt-BR"...); None means detect from the environment.

    An unknown language is a bad-input error naming the ones we have.
    """
    global _current
    if lang is None:
        _current = detect_language()
        return _current
    found = normalize(lang)
    if found is None:
        from services.errors import BadInput

        raise BadInput(
            N_("unknown language {lang!r}; choose one of: {choices}"), lang=lang, choices=", ".join(LANGUAGES)
        )
    _current = found
    return _current


def language() -> str:
    """The language in force (detected on first use)."""
    return _current or set_language(None)


@cache
def translation(lang: str) -> gettext.NullTranslations:
    """The catalogue of `lang`, read once per language so switching back and forth (tests render both
    languages in one process) costs nothing. English, the source language, has none: texts show as written."""
    return gettext.translation(DOMAIN, LOCALEDIR, languages=[lang], fallback=True)


def _(text: str, /, **fmt: object) -> str:
    """`text` in the current language, with `{name}` fields filled from `fmt`.

    A string missing from the catalogue shows in English rather than failing.
    """
    # gettext("") is the catalogue's header, never a text to show.
    translated = translation(language()).gettext(text) if text else text
    return translated.format(**fmt) if fmt else translated


def _n(singular: str, plural: str, count: int, /, **fmt: object) -> str:
    """`singular` or `plural` ("1 row", "2 rows") as the language's plural rule picks for `count` (pt_BR
    says "0 linha", English "0 rows"), translated; `{count}` is filled."""
    return translation(language()).ngettext(singular, plural, count).format(count=count, **fmt)


def plural(count: int, one: str, many: str, /) -> str:
    """`one` when `count` is 1, else `many`: for the few English texts the services still build themselves (an
    error's message, a log line); what the operator reads goes through `_n` at the edge (words/reasons.py)."""
    return one if count == 1 else many


def local_time(when: datetime | str | None) -> str:
    """A moment (datetime or ISO text) in this machine's time zone, in the language's format
    ("2026-11-30 14:05"; pt_BR "30/11/2026 14:05"); "?" when it cannot be read."""
    when = _moment(when)
    if when is None:
        return "?"
    return _("{when:%Y-%m-%d %H:%M}", when=when.astimezone())


def _moment(when: datetime | str | None) -> datetime | None:
    """A datetime from a datetime or ISO text; None when there is none or it cannot be read."""
    if isinstance(when, str):
        try:
            return datetime.fromisoformat(when)
        except ValueError:
            return None
    return when


def local_time_short(when: datetime | str | None, year: int | None) -> str:
    """`local_time` without the year when it is `year` ("11-30 14:05"; pt_BR "30/11 14:05"): for tables at
    80 columns, where the five cells of a year are better spent on the other columns. `year` comes from the
    data on show (the newest row's), never from the clock, so a table reads the same on any day."""
    when = _moment(when)
    if when is None:
        return "?"
    when = when.astimezone()
    if when.year != year:
        return local_time(when)
    return _("{when:%m-%d %H:%M}", when=when)


def N_(text: str) -> str:
    """Marks a string for translation where it is defined; `_()` translates it where it is shown."""
    return text


class Phrase:
    """A few words (marked `N_()`) given as a value to a message: shown in the current language where the
    message is formatted, and in English in `MelisyncError.english` (the `--json` documents stay English).
    `system`: words that are not ours (an OS error's), shown as they are when there are none of ours."""

    def __init__(self, words: str | None, system: str = "", **values: object) -> None:
        self.words = words
        self.system = system
        self.values = values  # `{name}` fields of `words`

    @property
    def english(self) -> str:
        if not self.words:
            return self.system
        values = {name: getattr(value, "english", value) for name, value in self.values.items()}
        return self.words.format(**values) if values else self.words  # no values: braces are the text's own

    def __str__(self) -> str:
        return _(self.words, **self.values) if self.words else self.system

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __repr__(self) -> str:
        return f"Phrase({self.english!r})"
