"""One journaled run as the readers get it (`Journal.runs()`, `run()`, `last_run()`, `running()`): a frozen
`Run` with typed fields. The journal's files keep their format: `Run.to_dict()` gives the run's record back as
it was journaled (what `melisync log --json` prints), with any field changed on the `Run` written over it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from enum import StrEnum
from typing import Any


class RunStatus(StrEnum):
    """A run's status as journaled. `UNKNOWN` stands for a value this version does not know (a newer one's)."""

    RUNNING = "running"
    FINISHED = "finished"  # everything planned was done
    FAILED = "failed"  # finished with errors, or stopped by one
    INTERRUPTED = "interrupted"  # the process died while the run was running
    CANCELLED = "cancelled"  # the operator stopped it
    DRY_RUN = "dry_run"  # planned only, nothing applied (recorded so `log` shows previews too)
    UNKNOWN = "?"

    @classmethod
    def _missing_(cls, value: object) -> RunStatus:
        return cls.UNKNOWN


class RunKind(StrEnum):
    """What a run did: a sync kind (services/sync/plan.py `SyncKind`), a watch tick, or the operator's
    reference-code fix. `UNKNOWN` stands for a kind this version does not know."""

    PRODUCTS = "products"
    CUSTOMERS = "customers"
    STOCK = "stock"
    ALL = "all"
    WATCH = "watch"
    REFERENCE_CODE = "reference_code"
    UNKNOWN = "?"

    @classmethod
    def _missing_(cls, value: object) -> RunKind:
        return cls.UNKNOWN


def _moment(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) and value else None
    except ValueError:
        return None


def _int(value: object, default: int | None = None) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


@dataclass(frozen=True)
class Run:
    """A run of the journal (docs/internals.md, "The journal")."""

    id: int
    kind: RunKind
    status: RunStatus
    dry_run: bool = False
    started_at: datetime | None = None
    ended_at: datetime | None = None
    planned_at: datetime | None = None  # the plan was shown (a run `running` since then waits for its yes)
    applied_at: datetime | None = None  # the operator said yes
    pid: int | None = None
    host: str = ""
    counts: Mapping[str, Any] = field(default_factory=dict)  # by status (ints), and `by_kind` (nested)
    errors: tuple[Mapping[str, Any], ...] = ()
    notes: tuple[Any, ...] = ()  # a text (older versions) or a reason as journaled (code and values)
    skipped_as_before: int = 0  # rows skipped for the same reason as the skip base: counted, not listed
    skip_base: int | None = None
    record: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)  # as journaled

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Run:
        record = dict(record)
        return cls(record=record, **_typed(record))

    def to_dict(self) -> dict[str, Any]:
        """The record as journaled (same keys, same order, same text), with the fields changed since written
        over it (e.g. `replace(run, status=RunStatus.INTERRUPTED)`)."""
        out = dict(self.record)
        journaled = _typed(out)
        for name, value in _values(self).items():
            if name in journaled and journaled[name] == value:
                continue
            out[name] = value.isoformat(timespec="seconds") if isinstance(value, datetime) else _plain(value)
        return out

    def with_status(self, status: RunStatus) -> Run:
        return replace(self, status=status)

    @property
    def applied(self) -> bool:
        """Not a dry run (a plan that was, or may be, applied)."""
        return not self.dry_run

    @property
    def waiting(self) -> bool:
        """Running, its plan shown and not yet confirmed."""
        return self.status == RunStatus.RUNNING and self.planned_at is not None and self.applied_at is None

    @property
    def has_errors(self) -> bool:
        return (
            bool(self.errors)
            or bool(self.counts.get("failed"))
            or self.status in (RunStatus.FAILED, RunStatus.INTERRUPTED)
        )


def _values(run: Run) -> dict[str, Any]:
    return {f.name: getattr(run, f.name) for f in fields(run) if f.name != "record"}


def _plain(value: Any) -> Any:
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return dict(value)
    return value


def _typed(record: Mapping[str, Any]) -> dict[str, Any]:
    """The typed fields of a journaled record (missing or damaged values get the field's default)."""
    counts = record.get("counts")
    errors = record.get("errors")
    notes = record.get("notes")
    return {
        "id": _int(record.get("id"), 0),
        "kind": RunKind(str(record.get("kind"))),
        "status": RunStatus(str(record.get("status"))),
        "dry_run": bool(record.get("dry_run")),
        "started_at": _moment(record.get("started_at")),
        "ended_at": _moment(record.get("ended_at")),
        "planned_at": _moment(record.get("planned_at")),
        "applied_at": _moment(record.get("applied_at")),
        "pid": _int(record.get("pid")),
        "host": str(record.get("host") or ""),
        "counts": dict(counts) if isinstance(counts, Mapping) else {},
        "errors": tuple(e for e in errors if isinstance(e, Mapping)) if isinstance(errors, list) else (),
        "notes": tuple(notes) if isinstance(notes, list) else (),
        "skipped_as_before": _int(record.get("skipped_as_before"), 0),
        "skip_base": _int(record.get("skip_base")),
    }
