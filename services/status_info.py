"""Local facts for `status` and the connection screen: links by state, the last run of each sync kind.
Reads the store only (no API call, no secret). Link counts come from the small summary.json the link store
writes with every sync (`services.summary`), so `status` never parses meli.json."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from services.home import home_dir
from services.summary import read_summary

if TYPE_CHECKING:
    from services.store.run import Run


def link_counts(home: Path | None = None) -> dict[str, int]:
    """Stored links by state (every state, zeros included); {} before the first sync."""
    home = Path(home or home_dir())
    summary = read_summary(home)
    if summary is not None and isinstance(summary.get("links"), dict):
        stored: dict[str, int] = summary["links"]  # the JSON file as written by write_link_counts
        return stored
    if not (home / "meli.json").exists() and not (home / "links.jsonl").exists():
        return {}  # reading must not create the store
    from services.linking import count_by_state
    from services.store.links import LinkRepository  # an older home: counted here (the next sync writes it)

    counts = count_by_state(LinkRepository(home=home).iter())
    return counts if any(counts.values()) else {}


# What a run of each kind covers: an `all` run is also the last products, stock and customers run.
COVERS = {"all": ("all", "products", "stock", "customers")}


def last_runs(home: Path | None = None) -> dict[str, Run]:
    """The newest run covering each sync kind (dry runs included; an `all` run covers every kind)."""
    from services.store.journal import Journal

    journal = Journal(home=home)
    journal.mark_interrupted()
    last: dict[str, Run] = {}
    for run in journal.runs():
        for kind in COVERS.get(run.kind, (run.kind.value,)):
            last.setdefault(kind, run)
    return last
