"""What the App's worker mixins (`ConnectionWorkers`, `LinkWorkers`, `SyncWorkers`) use of the App they are
mixed into: Textual's App itself, and the fields and methods `MelisyncApp` and the other mixins define.

Only declarations for the type checker: at run time `AppPart` is a plain class with no attribute, so the
mixins behave exactly as before; mypy reads each mixin as part of an `App[int]` with these fields and checks
that `MelisyncApp`'s real definitions match them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual.app import App

    from screens.connection import ConnectionView
    from services.config import Config
    from tui.workers import Gateway

    _App = App[int]  # MelisyncApp's return code
else:
    _App = object


class AppPart(_App):
    config: Config  # set by MelisyncApp.__init__, replaced when the settings are saved
    gateway: Gateway  # the seam to the services (tests pass a fake)
    status: ConnectionView | None  # MelisyncApp's reactive: what the connection screen shows

    if TYPE_CHECKING:
        # ConnectionWorkers (tui/workers.py)
        def refresh_status(self) -> None: ...
