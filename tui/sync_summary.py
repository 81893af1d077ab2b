"""The words for the end of a sync (the App's notification), chosen here from the engine's facts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.i18n import N_, _
from services.run_facts import error_reason
from services.sync.plan import SyncKind
from words.counts import outcome_counts
from words.reasons import say

if TYPE_CHECKING:
    from services.sync.engine import SyncResult

# What the engine says it is reading (event messages), listed so each gets a translation.
READING = (N_("listings"), N_("orders"), N_("account"))


def sync_summary(result: SyncResult) -> str:
    """One sentence for the end-of-sync notification."""
    counts = result.counts
    from screens.connection import status_label

    text = _(
        "Run {run_id} ({kind}) {status}: {counts}.",
        run_id=result.run_id,
        kind=_(SyncKind(result.kind).value),
        status=status_label(result.status),
        counts=outcome_counts(counts, ("done", "failed", "skipped", "unchanged")),
    )
    if result.errors:
        text += " " + _("First error: {error}", error=say(error_reason(result.errors[0])))
    return text
