"""What the screens are given about the sync in progress: its phase and counts (`SyncState`, published on
the App's `sync_signal`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from services.sync.engine import Prepared, SyncResult


class SyncPhase(StrEnum):
    """Where the one sync at a time is (screens compare it with these values)."""

    IDLE = "idle"
    PLANNING = "planning"  # reading listings and orders: nothing is written
    PLANNED = "planned"  # the plan waits for the operator
    APPLYING = "applying"
    FINISHED = "finished"


class ProgressPhase(StrEnum):
    """What a progress message is about: the reading while planning, or the writes while applying."""

    READING = "reading"
    APPLYING = "applying"


@dataclass
class SyncState:
    """The App's view of the sync in progress (one at a time). Published on `sync_signal` when it changes."""

    phase: SyncPhase = SyncPhase.IDLE
    kind: str = ""
    run_id: int | None = None
    done: int = 0
    total: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    message: str = ""
    cancel_requested: bool = False
    seconds_left: float | None = None  # the ETA while applying, once it is stable (services.sync.eta)
    prepared: Prepared | None = None  # while a plan waits for the operator
    result: SyncResult | None = None  # once finished

    def __post_init__(self) -> None:
        self.phase = SyncPhase(self.phase)

    @property
    def busy(self) -> bool:
        return self.phase in (SyncPhase.PLANNING, SyncPhase.PLANNED, SyncPhase.APPLYING)
