"""The translations: `melisync.pot` (every text to translate, extracted from the source) and one gettext
catalogue per language, `<lang>/LC_MESSAGES/melisync.po` with its compiled `melisync.mo` (the one the app
reads, shipped in the package). docs/internals.md ("Translations") says how to add a text.

`sync_notes.py` holds the shapes of texts the services build with values in them, matched by
`services.i18n.known` until the services return reason codes instead.
"""

from __future__ import annotations

from pathlib import Path

#: Where gettext finds `<lang>/LC_MESSAGES/melisync.mo`.
LOCALEDIR = Path(__file__).resolve().parent
DOMAIN = "melisync"


def patterns(lang: str) -> dict[str, str]:
    """The shapes of service texts in `lang` (see i18n.known); empty for English."""
    if lang != "pt_BR":
        return {}
    from services.locale.sync_notes import PATTERNS_PT_BR

    return PATTERNS_PT_BR
