"""Text folding for searches: case and accents ignored, so `acao` and `AÇÃO` both find `ação`."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """`text` without case or accents (NFKD, combining marks dropped, casefolded)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
