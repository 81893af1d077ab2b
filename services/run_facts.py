"""Facts about one journaled run, for the logs, the connection screen and the CLI: the status to show
(a plan waiting for its yes is not "running"), the time spent applying, and why it failed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.store.journal import RUNNING

WAITING = "waiting"  # planned, waiting for the operator's confirmation (journaled as `running`)


def _time(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) and value else None
    except ValueError:
        return None


def started(run: dict[str, Any]) -> datetime | None:
    return _time(run.get("started_at"))


def shown_status(run: dict[str, Any]) -> str:
    """The run's status, except a running run whose plan waits for confirmation: `waiting`."""
    status = run.get("status") or "?"
    if status == RUNNING and run.get("planned_at") and not run.get("applied_at"):
        return WAITING
    return status


def took_seconds(run: dict[str, Any]) -> int | None:
    """Seconds spent applying (from the yes to the end); for a run never applied, its reading time."""
    begin = _time(run.get("applied_at")) or _time(run.get("started_at"))
    if run.get("planned_at") and not run.get("applied_at"):
        end = _time(run.get("planned_at"))  # declined or waiting: the time it took to plan
    else:
        end = _time(run.get("ended_at"))
    if not (begin and end):
        return None
    return max(0, int((end - begin).total_seconds()))


def failure_reason(run: dict[str, Any]) -> str:
    """Why a run failed or stopped, in the services' words (translated with `known()` at the edge)."""
    for error in run.get("errors") or ():
        message = str(error.get("message") or "").strip()
        if message:
            where = " ".join(str(error[k]) for k in ("item_id", "variation_id") if error.get(k))
            return f"{where}: {message}" if where else message
    notes = run.get("notes") or ()
    return str(notes[-1]) if notes and run.get("status") != "finished" else ""
