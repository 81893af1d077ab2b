"""The types of numeric options, saying in words what they expect.

argparse names the type's function in its message ("invalid int value: 'x'"), which tells an operator
nothing; these converters raise `ArgumentTypeError` with the words instead ("argument --port: must be a
whole number, got 'x'", in the operator's language: docs/internals.md, "Translations"). Ranges stay where
each command checks them (they depend on the option).
"""

from __future__ import annotations

import argparse
import math

from services.i18n import _


def whole_number(raw: str) -> int:
    """An integer option (`--port 8765`)."""
    try:
        return int(raw.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(_("must be a whole number, got {raw!r}", raw=raw)) from None


def number(raw: str) -> float:
    """A decimal option (`--every 0.5`; a decimal comma is read too: `0,5`), finite."""
    try:
        value = float(raw.strip().replace(",", "."))
    except ValueError:
        raise argparse.ArgumentTypeError(_("must be a number, got {raw!r}", raw=raw)) from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(_("must be a finite number, got {raw!r}", raw=raw))
    return value
