"""The words of a link's state (`services.linking.LinkState`), shared by the CLI (cli/words.py) and the reasons
that name a state (words/reasons.py). English shows the codes themselves (what `links --state` takes, what
scripts grep); other languages their words. Also the words of a run's status, shared by the CLI and the TUI."""

from __future__ import annotations

from services.i18n import N_

LINK_STATES = {
    "linked": N_("linked"),
    "no_reference": N_("no_reference"),
    "unknown_code": N_("unknown_code"),
    "link_lost": N_("link_lost"),
    "structure_mismatch": N_("structure_mismatch"),
    "not_writable": N_("not_writable"),
    "ignored": N_("ignored"),
}

# Run statuses as the journal writes them -> the words shown; `waiting` is services.run_facts'.
RUN_STATUSES = {
    "running": N_("running"),
    "finished": N_("finished"),
    "failed": N_("failed"),
    "cancelled": N_("cancelled"),
    "interrupted": N_("interrupted"),
    "dry_run": N_("dry run"),
    "waiting": N_("waiting for confirmation"),
    "declined": N_("declined"),
}
