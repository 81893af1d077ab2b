"""Translation catalogues, one module per area (`app.py`, `connection.py`, `links.py`...), merged here.

Each module defines `PT_BR: dict[str, str]` mapping the English source text to Brazilian
Portuguese. Adding an area = adding a module; nothing to register. The same source text in two
modules must have the same translation (checked on load), so areas never fight over a string.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache, lru_cache

_ATTRIBUTE = {"pt_BR": "PT_BR"}


def _merged(attribute: str | None) -> dict[str, str]:
    """Every area module's `attribute` dict, merged; one source text translated two ways is an error."""
    merged: dict[str, str] = {}
    if attribute is None:
        return merged
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        for source, translated in getattr(module, attribute, {}).items():
            if merged.get(source, translated) != translated:
                raise ValueError(f"{module.__name__}: {source!r} is translated differently in another area")
            merged[source] = translated
    return merged


@cache
def catalogue(lang: str) -> dict[str, str]:
    """Every area's translations for `lang`, merged; empty for English (the source language)."""
    return _merged(_ATTRIBUTE.get(lang))


# Shapes of texts the services build with values in them (`"{code} is not in the ERP"`), see i18n.known.
_PATTERNS = {"pt_BR": "PATTERNS_PT_BR"}


@cache
def patterns(lang: str) -> dict[str, str]:
    """Every area's shapes for `lang`, merged; empty for English."""
    return _merged(_PATTERNS.get(lang))
