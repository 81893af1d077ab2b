"""`melisync sync [products|stock|customers|all] [--dry-run] [--yes] [--json]` (docs/architecture.md §5).

Shows the plan, asks on a terminal (or takes `--yes`), applies, prints what was done. Without `--yes`
and without a terminal to ask on, it refuses (exit 2) unless `--dry-run`. Exit 0 when everything
planned was done, 1 when the run finished with errors, 3 when not connected.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from cli.words import ACTION_KINDS, action_counts, link_counts, widest, word
from services.config import load_config
from services.connection import load_connection
from services.csv_export import ACTION_FIELDS, action_row, csv_text
from services.errors import BadInput, NotConnected, ReauthorizationNeeded
from services.i18n import N_, _, _n
from services.reasons import Code
from services.run_facts import error_reason
from services.sync.engine import SyncEngine, SyncResult
from services.sync.events import ACTION, READING, Event
from services.sync.plan import MANUAL_KINDS, Action, ActionStatus, Plan, SyncKind
from words.counts import outcome_counts
from words.reasons import printable_run, say
from words.states import RUN_STATUSES

if TYPE_CHECKING:
    from cli.commands import Subcommands
    from services.config import Config
    from services.meli.client import MeliClient

SHOWN = 40  # planned actions listed before "... and N more" (the whole list is in --json and `log`)


def register(sub: Subcommands) -> None:
    parser = sub.add_parser(
        "sync",
        help=_("plan and apply a sync with Mercado Livre"),
        description=_(
            "products: import listings with unknown reference codes into the ERP; "
            "customers: record new sales and buyers; stock: sales first, then push ERP "
            "stock to the listings; all: the three in that order."
        ),
    )
    parser.add_argument(
        "kind",
        nargs="?",
        default=SyncKind.ALL.value,
        choices=[k.value for k in MANUAL_KINDS],
        metavar=_("KIND"),  # argparse names the argument by it in errors ("argument KIND: invalid choice")
        help=_("what to sync: {kinds} (default all)", kinds=", ".join(k.value for k in MANUAL_KINDS)),
    )
    parser.add_argument("--dry-run", action="store_true", help=_("show the plan only; write nothing anywhere"))
    parser.add_argument("--yes", action="store_true", help=_("apply without asking"))
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help=_("one JSON document on stdout"))
    output.add_argument(
        "--csv",
        action="store_true",
        help=_("with --dry-run: every action of the plan as CSV on stdout (for a spreadsheet)"),
    )
    parser.add_argument(
        "--all", action="store_true", help=_("list every action of the plan (without it, {shown})", shown=SHOWN)
    )
    parser.set_defaults(func=run)


def can_ask() -> bool:
    return sys.stdin.isatty() and sys.stderr.isatty()


def ask(question: str) -> bool:
    """A yes/no question on the terminal; "y", "yes", "s" or "sim" say yes in either language."""
    print(question + " " + _("[y/N]") + " ", end="", file=sys.stderr, flush=True)
    answer = sys.stdin.readline().strip().lower()
    return answer in ("y", "yes", "s", "sim")


def require_connection(config: Config) -> None:
    connection = load_connection(config.home)
    if connection.needs_reauthorization:
        raise ReauthorizationNeeded(N_("Mercado Livre needs you to authorize melisync again: run `melisync connect`"))
    if not connection.connected:
        raise NotConnected(N_("no Mercado Livre account is connected: run `melisync connect` first"))


async def run(args: argparse.Namespace, *, client: MeliClient | None = None) -> int:
    if getattr(args, "csv", False) and not args.dry_run:
        raise BadInput(N_("--csv lists a plan: use it with --dry-run (`melisync log --run ID --csv` lists a run)"))
    if not (args.dry_run or args.yes or can_ask()):
        raise BadInput(
            N_(
                "sync writes to Mercado Livre and the ERP: pass --yes to apply without asking "
                "(no terminal to ask on), or --dry-run to see the plan"
            )
        )
    config = load_config()
    require_connection(config)
    if client is None:
        from cli.memory import few_malloc_arenas
        from services.meli.client import open_client

        few_malloc_arenas()  # before the sync's worker threads start

        async with open_client(config) as client:
            return await _sync(args, config, client)
    return await _sync(args, config, client)


async def _sync(args: argparse.Namespace, config: Config, client: MeliClient) -> int:
    progress = _ProgressLine(enabled=not args.json and sys.stderr.isatty())
    engine = SyncEngine(client, config=config, on_event=progress)
    prepared = await engine.plan(args.kind, dry_run=args.dry_run)
    progress.clear()
    plan = prepared.plan
    asking = not (args.dry_run or args.yes) and bool(plan.to_apply)
    if getattr(args, "csv", False):
        sys.stdout.write(csv_text(ACTION_FIELDS, (action_row(a.to_dict(), say) for a in plan.actions)))
        engine.dry_result(prepared)
        return 0
    if not args.json:
        print(render_plan(plan, prepared.run_id, args.dry_run, every=getattr(args, "all", False)))
    elif asking:  # stdout is for the JSON document: the plan to confirm goes to the terminal
        print(render_plan(plan, prepared.run_id, args.dry_run), file=sys.stderr)
    if args.dry_run:
        result = engine.dry_result(prepared)
    elif asking and not ask(_question(plan)):
        result = engine.decline(prepared)
    else:
        result = await engine.apply(prepared)
        progress.clear()
    if args.json:
        print(json.dumps(printable_run(result.to_dict()), indent=2, default=str))
    else:
        print(render_result(result))
    return 0 if result.ok or result.status == "cancelled" else 1


def _question(plan: Plan) -> str:
    return _n(
        "Apply {count} action, {to_ml} of them writing to Mercado Livre?",
        "Apply {count} actions, {to_ml} of them writing to Mercado Livre?",
        len(plan.to_apply),
        to_ml=len(plan.ml_writes),
    )


def describe(action: Action) -> str:
    where = action.item_id or "-"
    if action.variation_id is not None:
        where += " " + _("var {variation}", variation=action.variation_id)
    if action.to is None:
        change = "" if action.from_ is None else _("now {value}", value=action.from_)
    else:
        change = f"{action.to}" if action.from_ is None else f"{action.from_} -> {action.to}"
    reason = f"  ({say(action.reason)})" if action.reason else ""
    kind = word(ACTION_KINDS, action.kind.value)
    return f"{kind:<{widest(ACTION_KINDS, 18)}} {where:<32} {action.erp_code or '-':<18} {change}{reason}"


def render_plan(plan: Plan, run_id: int, dry_run: bool, every: bool = False) -> str:
    if dry_run:
        head = _("Plan for `sync {kind}` (run {run}, dry run):", kind=plan.kind.value, run=run_id)
    else:
        head = _("Plan for `sync {kind}` (run {run}):", kind=plan.kind.value, run=run_id)
    lines = [head]
    lines += ["  " + _("note: {note}", note=say(note)) for note in plan.notes]
    planned = plan.to_apply
    skipped = [a for a in plan.actions if a.status == ActionStatus.SKIPPED]
    lines.append(
        "  "
        + ", ".join(
            (
                _n("{count} to apply", "{count} to apply", len(planned))
                + " ("
                + _n("{count} write to Mercado Livre", "{count} writes to Mercado Livre", len(plan.ml_writes))
                + ")",
                _n("{count} skipped", "{count} skipped", len(skipped)),
                _n("{count} already right", "{count} already right", plan.unchanged),
            )
        )
    )
    shown = None if every else SHOWN
    for action in planned[:shown]:
        lines.append("  + " + describe(action))
    if not every and len(planned) > SHOWN:
        lines.append(
            "  "
            + _n(
                "... and {count} more to apply (--all lists every one)",
                "... and {count} more to apply (--all lists every one)",
                len(planned) - SHOWN,
            )
        )
    for action in skipped[:shown]:
        lines.append("  - " + describe(action))
    if not every and len(skipped) > SHOWN:
        lines.append(
            "  "
            + _n(
                "... and {count} more skipped (--all lists them; `melisync log --run {run}` too)",
                "... and {count} more skipped (--all lists them; `melisync log --run {run}` too)",
                len(skipped) - SHOWN,
                run=run_id,
            )
        )
    if plan.link_counts:
        lines.append("  " + _("links: {counts}", counts=link_counts(plan.link_counts)))
    return "\n".join(lines)


def render_result(result: SyncResult) -> str:
    if result.dry_run:
        return _("Dry run: nothing was written (not to Mercado Livre, not to the ERP, not to the links).")
    every = outcome_counts(result.counts, ("done", "skipped", "failed", "unchanged"))
    lines = [
        _("Run {run} {status}: {counts}.", run=result.run_id, status=word(RUN_STATUSES, result.status), counts=every)
    ]
    for error in result.errors[:20]:
        where = " ".join(str(error[k]) for k in ("item_id", "variation_id") if error.get(k) is not None)
        message = say(error_reason(error))
        what = f"{where}: {message}" if where else message
        lines.append("  " + _("error {what}", what=what))
    if len(result.errors) > 20:
        lines.append(
            "  "
            + _n(
                "... {count} more error: `melisync log --run {run}`",
                "... {count} more errors: `melisync log --run {run}`",
                len(result.errors) - 20,
                run=result.run_id,
            )
        )
    lines += ["  " + _("note: {note}", note=say(note)) for note in result.notes if note.code == Code.NOT_CONFIRMED]
    return "\n".join(lines)


class _ProgressLine:
    """A one-line progress display on stderr (terminals only)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.shown = False

    def __call__(self, event: Event) -> None:
        if not self.enabled:
            return
        if event.kind == READING:
            text = _("reading {what}", what=_(event.message or "listings")) + (
                f" {event.done}/{event.total}" if event.total else ""
            )
        elif event.kind == ACTION:
            text = _(
                "applying {done}/{total} ({counts})",
                done=event.done,
                total=event.total,
                counts=action_counts(event.counts),
            )
        else:
            return
        print(f"\r\033[K{text}", end="", file=sys.stderr, flush=True)
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            print("\r\033[K", end="", file=sys.stderr, flush=True)
            self.shown = False
