"""argparse's own words ("usage:", "options", "error:", "invalid choice...") in the operator's language.

argparse looks its texts up with the stdlib `gettext` of its module (the process-wide domain, which melisync
does not own), so `install()` points those two names at melisync's catalogue: its texts are translated like
ours, in the language `--lang` / LANG chose (docs/internals.md, "Translations"). The texts a command line can
reach are marked below so the catalogue carries them; the others (mistakes in our own parser) stay English.
"""

from __future__ import annotations

import argparse

from services.i18n import N_, language, translation

# argparse's message ids as Python 3.11 writes them (the id must match to the character, "usage: " included).
TEXTS = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("%(prog)s: error: %(message)s\n"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("unrecognized arguments: %s"),
    N_("the following arguments are required: %s"),
    N_("one of the arguments %s is required"),
    N_("not allowed with argument %s"),
    N_("ignored explicit argument %r"),
    N_("expected one argument"),
    N_("expected at most one argument"),
    N_("expected at least one argument"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("invalid %(type)s value: %(value)r"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
)


def _gettext(text: str) -> str:
    return translation(language()).gettext(text)


def _ngettext(singular: str, plural: str, count: int) -> str:
    return translation(language()).ngettext(singular, plural, count)


def install() -> None:
    """argparse speaks the current language from now on (it reads these names each time it needs a text)."""
    argparse._ = _gettext  # type: ignore[attr-defined]
    argparse.ngettext = _ngettext  # type: ignore[attr-defined]
