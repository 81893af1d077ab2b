"""`melisync log [--run ID] [--json]`: sync runs (newest first), or one run with its actions and errors."""

from __future__ import annotations

import json

from services.config import load_config
from services.errors import BadInput
from services.i18n import local_time
from services.run_facts import shown_status, took_seconds
from services.store.journal import INTERRUPTED, RUNNING, Journal
from services.sync.plan import Action
from tui.commands.sync import describe


def register(sub) -> None:
    parser = sub.add_parser("log", help="what each sync did")
    parser.add_argument("--run", type=int, metavar="ID", help="one run, with its actions and errors")
    parser.add_argument("--json", action="store_true", help="one JSON document on stdout")
    parser.set_defaults(func=run)


def run(args) -> int:
    journal = Journal(home=load_config().home)
    # A read-only command: a run whose process died is shown as interrupted, not rewritten (the next sync
    # records that).
    alive = {run["id"] for run in journal.running()}
    shown = lambda run: {**run, "status": INTERRUPTED} if run["status"] == RUNNING and run["id"] not in alive else run
    if args.run is None:
        runs = [shown(run) for run in journal.runs()]
        if args.json:
            print(json.dumps({"runs": runs}, indent=2, default=str))
        elif not runs:
            print("No sync has run yet.")
        else:
            for r in runs:
                print(summary(r))
        return 0
    found = journal.run(args.run)
    if found is None:
        raise BadInput(f"there is no run {args.run}: `melisync log` lists the runs")
    found = shown(found)
    actions = journal.actions(args.run)
    if args.json:
        print(json.dumps({"run": found, "actions": actions}, indent=2, default=str))
        return 0
    print(summary(found))
    for note in found.get("notes") or []:
        print(f"  note: {note}")
    for row in actions:
        print(f"  {row['status']:<8} {describe(Action.from_dict(row))}")
    for error in found.get("errors") or []:
        print(f"  ERROR {error.get('item_id') or ''} {error['message']}")
    return 0


STATUS_WORDS = {"dry_run": "dry run", "waiting": "waiting for confirmation"}


def summary(r: dict) -> str:
    c = r.get("counts") or {}
    parts = [f"{k} {c[k]}" for k in ("done", "planned", "skipped", "failed", "unchanged") if c.get(k)]
    if r.get("errors"):
        errors = len(r["errors"])
        parts.append("1 error" if errors == 1 else f"{errors} errors")
    status = shown_status(r)
    status = STATUS_WORDS.get(status, status)
    took = took_seconds(r)
    took = f"  took {took // 60}:{took % 60:02d}" if took is not None and r.get("ended_at") else ""
    # Local time in the user's format, to the minute (the journal keeps UTC to the second).
    return f"run {r['id']:>4}  {local_time(r.get('started_at'))}  {r['kind']:<9} {status:<11}{took}  {', '.join(parts)}".rstrip()
