"""A run's or a plan's actions by outcome ("16 done, 1 skipped, 0 failed"), each count with its own plural
form (pt_BR: "1 pulada", "11 puladas"): one sentence with several counts cannot pick one form for all.
Shared by the CLI (`sync`) and the TUI (plan, run detail, end-of-sync toast)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from services.i18n import _n

FORMS: dict[str, Callable[[int], str]] = {
    "planned": lambda n: _n("{count} to do", "{count} to do", n),
    "done": lambda n: _n("{count} done", "{count} done", n),
    "failed": lambda n: _n("{count} failed", "{count} failed", n),
    "skipped": lambda n: _n("{count} skipped", "{count} skipped", n),
    "unchanged": lambda n: _n("{count} already right", "{count} already right", n),
}


def outcome_counts(counts: Mapping[str, int], keys: Iterable[str]) -> str:
    """The counts of `keys` (zeros included: the operator reads them as facts), in that order."""
    return ", ".join(FORMS[key](int(counts.get(key, 0))) for key in keys)
