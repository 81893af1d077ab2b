"""`melisync log [--run ID] [--errors] [--json|--csv] [--all]`: sync runs (newest first), or one run with its
actions and errors. `--errors`: only runs with errors (with `--run`, only its failed actions); the text list
stops at `SHOWN` runs unless `--all`; `--csv` and `--json` hold every row."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from cli.arg_types import whole_number
from cli.commands.sync import describe
from cli.words import ACTION_STATUSES, RUN_KINDS, action_counts, widest, word
from services.config import load_config
from services.csv_export import ACTION_FIELDS, RUN_FIELDS, action_row, csv_text, run_row
from services.errors import BadInput
from services.i18n import N_, _, _n, local_time
from services.run_facts import error_reason, shown_status, took_seconds
from services.store.journal import Journal
from services.store.run import Run, RunStatus
from services.sync.plan import Action
from words.reasons import printable_row, printable_run, say, say_stored
from words.states import RUN_STATUSES

if TYPE_CHECKING:
    from cli.commands import Subcommands


def register(sub: Subcommands) -> None:
    parser = sub.add_parser("log", help=_("what each sync did"))
    parser.add_argument("--run", type=whole_number, metavar="ID", help=_("one run, with its actions and errors"))
    parser.add_argument(
        "--errors", action="store_true", help=_("only runs with errors (with --run: only the failed actions)")
    )
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help=_("one JSON document on stdout"))
    output.add_argument("--csv", action="store_true", help=_("the runs (or the run's actions) as CSV on stdout"))
    parser.add_argument(
        "--all", action="store_true", help=_("list every run (without it, the newest {shown})", shown=SHOWN)
    )
    parser.add_argument(
        "--as-before",
        action="store_true",
        help=_("with --run: the rows it skipped for the same reason as before (counted, not listed)"),
    )
    parser.set_defaults(func=run)


SHOWN = 50


def run(args: argparse.Namespace) -> int:
    journal = Journal(home=load_config().home)
    # A read-only command: a run whose process died is shown as interrupted, not rewritten (the next sync
    # records that).
    alive = {run.id for run in journal.running()}

    def shown(run: Run) -> Run:
        if run.status == RunStatus.RUNNING and run.id not in alive:
            return run.with_status(RunStatus.INTERRUPTED)
        return run

    if args.run is None:
        runs = [shown(run) for run in journal.runs()]
        if args.errors:
            runs = [r for r in runs if r.has_errors]
        if args.json:
            print(json.dumps({"runs": [printable_run(r.to_dict()) for r in runs]}, indent=2, default=str))
        elif args.csv:
            sys.stdout.write(csv_text(RUN_FIELDS, (run_row(r, say) for r in runs)))
        elif not runs:
            print(_("No run with errors.") if args.errors else _("No sync has run yet."))
        else:
            listed = runs if args.all else runs[:SHOWN]
            for r in listed:
                print(summary(r))
            if len(listed) < len(runs):
                print(
                    _n(
                        "... and {count} older run (--all lists it)",
                        "... and {count} older runs (--all lists them)",
                        len(runs) - len(listed),
                    )
                )
        return 0
    found = journal.run(args.run)
    if found is None:
        raise BadInput(N_("there is no run {run}: `melisync log` lists the runs"), run=args.run)
    found = shown(found)
    width = widest(ACTION_STATUSES, 8)  # the status words line up in any language
    if args.as_before:
        rows = journal.skipped_as_before(args.run)
        if args.json:
            printed = {"run": printable_run(found.to_dict()), "skipped_as_before": [printable_row(r) for r in rows]}
            print(json.dumps(printed, indent=2, default=str))
            return 0
        print(summary(found))
        for row in rows:
            print(f"  {word(ACTION_STATUSES, 'skipped'):<{width}} {describe(Action.from_dict(row))}")
        return 0
    actions = journal.actions(args.run)
    if args.errors:
        actions = [a for a in actions if a.get("status") == "failed"]
    if args.json:
        printed = {"run": printable_run(found.to_dict()), "actions": [printable_row(a) for a in actions]}
        print(json.dumps(printed, indent=2, default=str))
        return 0
    if args.csv:
        sys.stdout.write(csv_text(ACTION_FIELDS, (action_row(a, say) for a in actions)))
        return 0
    print(summary(found))
    for note in found.notes:
        print("  " + _("note: {note}", note=say_stored(note)))
    for row in actions:
        print(f"  {word(ACTION_STATUSES, row['status']):<{width}} {describe(Action.from_dict(row))}")
    if found.skipped_as_before:
        print(
            "  "
            + _n(
                "{count} skipped as before (as in run {base}): `melisync log --run {run} --as-before` lists it",
                "{count} skipped as before (as in run {base}): `melisync log --run {run} --as-before` lists them",
                found.skipped_as_before,
                base=found.skip_base,
                run=found.id,
            )
        )
    for error in found.errors:
        message = say(error_reason(error))
        print("  " + _("ERROR") + " " + " ".join(str(x) for x in (error.get("item_id"), message) if x))
    return 0


def summary(r: Run) -> str:
    counts = action_counts(dict(r.counts))
    parts = [counts] if counts else []
    if r.skipped_as_before:
        parts.append(_n("{count} skipped as before", "{count} skipped as before", r.skipped_as_before))
    if r.errors:
        parts.append(_n("{count} error", "{count} errors", len(r.errors)))
    status = word(RUN_STATUSES, shown_status(r))
    took = took_seconds(r)
    took_text = (
        "  " + _("took {minutes}:{seconds:02d}", minutes=took // 60, seconds=took % 60)
        if took is not None and r.ended_at
        else ""
    )
    # Local time in the user's format, to the minute (the journal keeps UTC to the second).
    head = _("run {id:>4}", id=r.id)
    kind = word(RUN_KINDS, str(r.record.get("kind", r.kind.value)))  # a newer version's kind as journaled
    return f"{head}  {local_time(r.started_at)}  {kind:<9} {status:<11}{took_text}  {', '.join(parts)}".rstrip()
