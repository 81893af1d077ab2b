"""Where a listing lives on Mercado Livre, for the operator to open or paste (never fetched by melisync).

ML's own `permalink` is the truth when we have it; otherwise the public address is built from the id,
whose site prefix is followed by a dash on the product page ("MLB1234" -> ".../MLB-1234").
"""

from __future__ import annotations

import re

_ID = re.compile(r"([A-Z]{3})-?(\d+)")


def listing_url(listing_id: str, permalink: str | None = None) -> str:
    if permalink:
        return permalink
    match = _ID.fullmatch(listing_id.strip().upper())
    if not match:
        return f"https://produto.mercadolivre.com.br/{listing_id}"
    return f"https://produto.mercadolivre.com.br/{match[1]}-{match[2]}"


def id_text(text: str) -> str:
    """What the operator typed for a listing id, as ids are stored: "mlb-123 " -> "MLB123"."""
    return re.sub(r"[\s-]", "", text).upper()


def find_listing(listing_ids: list[str], text: str) -> int | None:
    """The position of the listing `text` names: an exact id first, else the first id containing it."""
    wanted = id_text(text)
    if not wanted:
        return None
    for i, listing_id in enumerate(listing_ids):
        if listing_id == wanted:
            return i
    return next((i for i, listing_id in enumerate(listing_ids) if wanted in listing_id), None)
