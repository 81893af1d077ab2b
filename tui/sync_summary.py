"""The words for the end of a sync (the App's notification), chosen here from the engine's facts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.i18n import N_, _, known
from services.sync.plan import SyncKind

if TYPE_CHECKING:
    from services.sync.engine import SyncResult

# What the engine says it is reading (event messages), listed so each gets a translation.
READING = (N_("listings"), N_("orders"), N_("account"))


def sync_summary(result: SyncResult) -> str:
    """One sentence for the end-of-sync notification."""
    counts = result.counts
    from screens.connection import status_label

    text = _(
        "Run {run_id} ({kind}) {status}: {done} done, {failed} failed, {skipped} skipped, {unchanged} unchanged.",
        run_id=result.run_id,
        kind=_(SyncKind(result.kind).value),
        status=status_label(result.status),
        done=counts.get("done", 0),
        failed=counts.get("failed", 0),
        skipped=counts.get("skipped", 0),
        unchanged=counts.get("unchanged", 0),
    )
    if result.errors:
        text += " " + _("First error: {error}", error=known(result.errors[0].get("message", "")))
    return text
