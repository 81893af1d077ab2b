"""Local facts for `status` and the connection screen: links by state, the last run of each sync kind.
Reads the store only (no API call, no secret)."""

from __future__ import annotations

from pathlib import Path

from services.linking import count_by_state
from services.store.journal import Journal
from services.store.links import LinkRepository


def link_counts(home: Path | None = None) -> dict[str, int]:
    """Stored links by state (every state, zeros included); {} before the first sync."""
    links = LinkRepository(home=home).all()
    return count_by_state(links) if links else {}


def last_runs(home: Path | None = None) -> dict[str, dict]:
    """The newest run of each sync kind (dry runs included): id, status, started_at, ended_at, counts."""
    journal = Journal(home=home)
    journal.mark_interrupted()
    last: dict[str, dict] = {}
    for run in journal.runs():
        last.setdefault(run["kind"], {k: run.get(k) for k in ("id", "status", "dry_run", "started_at", "ended_at",
                                                              "counts")})
    return last
