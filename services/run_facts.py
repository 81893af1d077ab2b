"""Facts about one journaled run, for the logs, the connection screen and the CLI: the status to show
(a plan waiting for its yes is not "running"), the time spent applying, and why it failed."""

from __future__ import annotations

from collections.abc import Mapping

from services.reasons import Code, Reason
from services.store.run import Run, RunStatus

WAITING = "waiting"  # planned, waiting for the operator's confirmation (journaled as `running`)


def shown_status(run: Run) -> str:
    """The run's status, except a running run whose plan waits for confirmation: `waiting`."""
    return WAITING if run.waiting else run.status.value


def took_seconds(run: Run) -> int | None:
    """Seconds spent applying (from the yes to the end); for a run never applied, its reading time."""
    begin = run.applied_at or run.started_at
    # declined or waiting: the time it took to plan
    end = run.planned_at if run.planned_at and not run.applied_at else run.ended_at
    if not (begin and end):
        return None
    return max(0, int((end - begin).total_seconds()))


def error_reason(error: Mapping[str, object]) -> Reason | None:
    """A journaled error's reason: `reason` (code and values) from this version, `message` (text) from older ones
    and from errors that are an exception's own words."""
    return Reason.from_json(error.get("reason")) or Reason.from_json(str(error.get("message") or "").strip())


def failure_reason(run: Run) -> Reason | None:
    """Why a run failed or stopped (words chosen at the edge: words/reasons.py); None when nothing says."""
    for error in run.errors:
        reason = error_reason(error)
        if reason:
            where = " ".join(str(error[k]) for k in ("item_id", "variation_id") if error.get(k))
            return Reason(Code.WHERE, where=where, why=reason) if where else reason
    return Reason.from_json(run.notes[-1]) if run.notes and run.status != RunStatus.FINISHED else None
