"""summary.json in the home: the few facts `status` and the screens show at once (links by state), written
whenever the links are stored, so that they never have to parse meli.json to count (issue 16: `status` on a
50k-listing home reads this small file instead of the whole link table).

The file is a cache: when it is missing (an older home) or damaged, the caller counts the links and
writes it again.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from services.home import write_private

SUMMARY_FILE = "summary.json"


def read_summary(home: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((Path(home) / SUMMARY_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def write_link_counts(home: Path, counts: dict[str, int], ignored: list[str] | None = None) -> None:
    """The links by state as stored, and the rows the operator had ignored then (the screen's first page uses
    the counts only while the ignores are the same)."""
    summary = read_summary(home) or {}
    summary["links"] = dict(counts)
    summary["ignored"] = sorted(ignored or ())
    write_private(Path(home) / SUMMARY_FILE, json.dumps(summary).encode("utf-8"))


def forget_summary(home: Path) -> None:
    (Path(home) / SUMMARY_FILE).unlink(missing_ok=True)
