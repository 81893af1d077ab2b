"""Tables as CSV for the operator's spreadsheet (CLI `--csv`, the TUI's export key): one header row,
UTF-8, comma. A text cell a spreadsheet would run as a formula ("=HYPERLINK(...)", "+cmd", "@SUM") gets
a leading apostrophe (`services.input_rules.spreadsheet_safe`, the one rule for it): titles and codes come
from Mercado Livre and the ERP, not from the operator.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from services.input_rules import spreadsheet_safe as text_cell_safe
from services.reasons import Reason

if TYPE_CHECKING:
    from services.linking import Link
    from services.store.run import Run

LINK_FIELDS = (
    "state",
    "listing_id",
    "variation_id",
    "reference_code",
    "erp_code",
    "erp_stock",
    "ml_stock",
    "difference",
    "title",
    "variation_label",
    "family_name",
    "user_product_id",
    "erp_name",
    "reason",
)
ACTION_FIELDS = ("status", "kind", "item_id", "variation_id", "erp_code", "from", "to", "reason")
RUN_FIELDS = (
    "id",
    "kind",
    "status",
    "started_at",
    "applied_at",
    "ended_at",
    "took_seconds",
    "done",
    "failed",
    "skipped",
    "unchanged",
    "errors",
    "reason",
)


def spreadsheet_safe(cell: object) -> object:
    """A text cell that would start a formula gets a leading apostrophe; numbers and None stay as they are."""
    return text_cell_safe(cell) if isinstance(cell, str) else cell


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if cell is None else spreadsheet_safe(cell) for cell in row])
    return out.getvalue()


# The words for a reason (words/reasons.py `say`): the caller's, at the edge; services never choose words.
Say = Callable[[Reason | None], str]


def link_row(link: Link, say: Say) -> list[Any]:
    state = link.state.value if hasattr(link.state, "value") else link.state
    return [state, *(say(link.reason) if name == "reason" else getattr(link, name) for name in LINK_FIELDS[1:])]


def action_row(action: dict[str, Any], say: Say) -> list[Any]:
    """An action as journaled (`Action.to_dict()`)."""
    return [say(Reason.from_json(action.get(name))) if name == "reason" else action.get(name) for name in ACTION_FIELDS]


def run_row(run: Run, say: Say) -> list[Any]:
    from services.run_facts import failure_reason, shown_status, took_seconds

    journaled = run.to_dict()  # the times as the journal wrote them
    return [
        run.id,
        journaled.get("kind"),
        shown_status(run),
        journaled.get("started_at"),
        journaled.get("applied_at"),
        journaled.get("ended_at"),
        took_seconds(run) if run.ended_at else None,
        *(run.counts.get(k, 0) for k in ("done", "failed", "skipped", "unchanged")),
        len(run.errors),
        say(failure_reason(run)),
    ]


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    """Write the CSV to `path` (a new file, or replaced whole); returns the number of rows."""
    rows = list(rows)
    path.write_text(csv_text(header, rows), "utf-8")
    return len(rows)


def export_path(name: str, folder: Path, now: datetime | None = None) -> Path:
    """Where the TUI writes an export: `melisync-<name>-<YYYYmmdd-HHMMSS>.csv` in `folder`."""
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    return folder / f"melisync-{name}-{stamp}.csv"
