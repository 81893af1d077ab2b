"""Bounds on what melisync accepts from the operator's files and settings, and the one rule for text cells
written to a file a spreadsheet opens (docs/internals.md, "Input bounds").
"""

from __future__ import annotations

import unicodedata

# A product with a million units or more is a typo (or a pasted id) far more often than a real count;
# `melisync config set max_stock N` allows more.
DEFAULT_MAX_STOCK = 999_999
MAX_PRICE = 100_000_000  # R$ 100 million: above any real listing price

# A spreadsheet runs a cell starting with one of these as a formula (=HYPERLINK(...), +cmd, @SUM, ...).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def spreadsheet_safe(cell: str) -> str:
    """A text cell for a CSV export: one that would start a formula gets a leading apostrophe, which every
    spreadsheet shows as text and which `from_spreadsheet` removes again on import."""
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell


def from_spreadsheet(cell: str) -> str:
    """The inverse of `spreadsheet_safe` for a cell read back from a CSV export."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(_FORMULA_STARTS) else cell


def control_character(text: str) -> str | None:
    """The first control character in `text` (NUL, escape, a newline...) as `U+0000`, or None."""
    if text.isprintable():
        return None  # printable: none of Cc or Cf (the character by character look is for the other texts only)
    for char in text:
        if unicodedata.category(char) in ("Cc", "Cf") and char not in "\u200d\u200c":
            return f"U+{ord(char):04X}"
    return None
