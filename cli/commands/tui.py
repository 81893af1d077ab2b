"""`melisync` without a command: open the TUI on the real home (docs/architecture.md §5)."""

from __future__ import annotations

import argparse

from services.config import load_config
from services.i18n import set_language


def run(args: argparse.Namespace) -> int:
    set_language(getattr(args, "lang", None))
    from tui.app import MelisyncApp  # textual loads only when the TUI is wanted

    app = MelisyncApp(load_config())
    app.run()
    return app.return_code or 0
