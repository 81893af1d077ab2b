"""`melisync log [--run ID] [--errors] [--json|--csv] [--all]`: sync runs (newest first), or one run with its
actions and errors. `--errors`: only runs with errors (with `--run`, only its failed actions); the text list
stops at `SHOWN` runs unless `--all`; `--csv` and `--json` hold every row."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from cli.commands.sync import describe
from services.config import load_config
from services.csv_export import ACTION_FIELDS, RUN_FIELDS, action_row, csv_text, run_row
from services.errors import BadInput
from services.i18n import local_time
from services.run_facts import shown_status, took_seconds
from services.store.journal import Journal
from services.store.run import Run, RunStatus
from services.sync.plan import Action

if TYPE_CHECKING:
    from cli.commands import Subcommands


def register(sub: Subcommands) -> None:
    parser = sub.add_parser("log", help="what each sync did")
    parser.add_argument("--run", type=int, metavar="ID", help="one run, with its actions and errors")
    parser.add_argument(
        "--errors", action="store_true", help="only runs with errors (with --run: only the failed actions)"
    )
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="one JSON document on stdout")
    output.add_argument("--csv", action="store_true", help="the runs (or the run's actions) as CSV on stdout")
    parser.add_argument("--all", action="store_true", help=f"list every run (without it, the newest {SHOWN})")
    parser.add_argument(
        "--as-before",
        action="store_true",
        help="with --run: the rows it skipped for the same reason as before (counted, not listed)",
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
            print(json.dumps({"runs": [r.to_dict() for r in runs]}, indent=2, default=str))
        elif args.csv:
            sys.stdout.write(csv_text(RUN_FIELDS, (run_row(r) for r in runs)))
        elif not runs:
            print("No run with errors." if args.errors else "No sync has run yet.")
        else:
            listed = runs if args.all else runs[:SHOWN]
            for r in listed:
                print(summary(r))
            if len(listed) < len(runs):
                print(f"... and {len(runs) - len(listed)} older runs (--all lists them)")
        return 0
    found = journal.run(args.run)
    if found is None:
        raise BadInput(f"there is no run {args.run}: `melisync log` lists the runs")
    found = shown(found)
    if args.as_before:
        rows = journal.skipped_as_before(args.run)
        if args.json:
            print(json.dumps({"run": found.to_dict(), "skipped_as_before": rows}, indent=2, default=str))
            return 0
        print(summary(found))
        for row in rows:
            print(f"  {'skipped':<8} {describe(Action.from_dict(row))}")
        return 0
    actions = journal.actions(args.run)
    if args.errors:
        actions = [a for a in actions if a.get("status") == "failed"]
    if args.json:
        print(json.dumps({"run": found.to_dict(), "actions": actions}, indent=2, default=str))
        return 0
    if args.csv:
        sys.stdout.write(csv_text(ACTION_FIELDS, (action_row(a) for a in actions)))
        return 0
    print(summary(found))
    for note in found.notes:
        print(f"  note: {note}")
    for row in actions:
        print(f"  {row['status']:<8} {describe(Action.from_dict(row))}")
    if found.skipped_as_before:
        print(
            f"  {found.skipped_as_before:,} skipped as before (as in run {found.skip_base}): "
            f"`melisync log --run {found.id} --as-before` lists them"
        )
    for error in found.errors:
        print(f"  ERROR {error.get('item_id') or ''} {error['message']}")
    return 0


STATUS_WORDS = {"dry_run": "dry run", "waiting": "waiting for confirmation"}


def summary(r: Run) -> str:
    c = r.counts
    parts = [f"{k} {c[k]}" for k in ("done", "planned", "skipped", "failed", "unchanged") if c.get(k)]
    if r.skipped_as_before:
        parts.append(f"{r.skipped_as_before:,} skipped as before")
    if r.errors:
        errors = len(r.errors)
        parts.append("1 error" if errors == 1 else f"{errors} errors")
    status = shown_status(r)
    status = STATUS_WORDS.get(status, status)
    seconds = took_seconds(r)
    took = f"  took {seconds // 60}:{seconds % 60:02d}" if seconds is not None and r.ended_at else ""
    # Local time in the user's format, to the minute (the journal keeps UTC to the second).
    return f"run {r.id:>4}  {local_time(r.started_at)}  {r.kind:<9} {status:<11}{took}  {', '.join(parts)}".rstrip()
