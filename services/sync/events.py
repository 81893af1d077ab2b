"""Progress of a sync as events, for the TUI (messages) and the CLI (a progress line).

A sync calls `on_event(Event)` at each step: `reading` (what it reads), `planned` (the plan is
ready), `applying` (apply began: `total` actions), `started` (an action is being sent to Mercado Livre),
`action` (an action finished: `done` of `total`, counts so far), `finished` (the run's end).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

READING = "reading"
PLANNED = "planned"
APPLYING = "applying"
STARTED = "started"
ACTION = "action"
FINISHED = "finished"


@dataclass(frozen=True)
class Event:
    kind: str
    run_id: int | None = None
    message: str = ""
    done: int = 0
    total: int = 0
    action: Any = None  # the finished Action, for `action`
    counts: dict[str, Any] = field(default_factory=dict)
    plan: Any = None  # the Plan, for `planned`
    result: Any = None  # the SyncResult, for `finished`


OnEvent = Callable[[Event], None]


def ignore(event: Event) -> None:
    """The default listener."""
