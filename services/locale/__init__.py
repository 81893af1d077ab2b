"""The translations: `melisync.pot` (every text to translate, extracted from the source) and one gettext
catalogue per language, `<lang>/LC_MESSAGES/melisync.po` with its compiled `melisync.mo` (the one the app
reads, shipped in the package). docs/internals.md ("Translations") says how to add a text.

What the services say as codes and values (services/reasons.py) is put in words by words/reasons.py, whose
templates are extracted like every other text.
"""

from __future__ import annotations

from pathlib import Path

#: Where gettext finds `<lang>/LC_MESSAGES/melisync.mo`.
LOCALEDIR = Path(__file__).resolve().parent
DOMAIN = "melisync"
