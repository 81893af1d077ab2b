"""Where the documentation is unsure, the sandbox takes the harsher reading; each name here brings back the
kinder one (`SandboxState(lenient={"attributes_merge"})`, `melisync sandbox --lenient attributes_merge`), so
the client is tested under both (docs/internals.md, "Sandbox strictness")."""

from __future__ import annotations

from collections.abc import Iterable

# name -> what the kinder reading does (the strict default is the opposite)
LENIENT = {
    "attributes_merge": "a PUT's `attributes` update and add by id (strict: the list replaces the old one)",
    "scroll_limit": "`limit` is accepted next to `scroll_id` on scan pages (strict: 400)",
    "bulk_variation_attributes": "/items/bulk honours include_attributes=all for variations (strict: variation "
    "attributes only from /items/{id}/variations?include_attributes=all)",
    "billing_in_search": "order search results carry buyer.billing_info.id (strict: only GET /orders/{id})",
    "sort_date_created": "seller order searches sorted by date_created (strict: by date_closed)",
    "retry_after": "every 429 carries a short Retry-After of 1 s (strict: none, unless rate_retry_after is set)",
}

SHORT_RETRY_AFTER = 1.0


def lenient_names(names: Iterable[str] | str | None) -> frozenset[str]:
    """The kinder behaviours asked for; an unknown name is a ValueError naming the known ones."""
    if not names:
        return frozenset()
    if isinstance(names, str):
        names = [n for n in names.split(",") if n.strip()]
    chosen = frozenset(n.strip() for n in names)
    unknown = sorted(chosen - set(LENIENT))
    if unknown:
        raise ValueError(f"unknown lenient behaviour(s) {', '.join(unknown)}; known: {', '.join(sorted(LENIENT))}")
    return chosen
