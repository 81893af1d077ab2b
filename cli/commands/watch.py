"""`melisync watch [--every SECONDS] [--reconcile-every HOURS] [--erp-csv FILE] [--once] [--dry-run] [--json]`:
keep the stock in step by itself, as a service (README, "Running melisync watch as a service").

One watcher per home (a second one, or a `sync` while it runs, is refused with its pid). SIGTERM/SIGINT
finish the tick in flight (its writes and journal) and exit 0; SIGHUP reloads the config. Exit 3 when
Mercado Livre needs the seller to authorize melisync again (`status` says so too).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from cli.arg_types import number
from cli.commands.sync import render_plan, require_connection
from cli.words import word
from services.config import load_config
from services.errors import BadInput
from services.i18n import N_, _, _n, local_time
from services.sync.erp_watch import STABLE_SECONDS
from services.sync.watch import ACTED, FAILED_TICK, IDLE, PREVIEW, TickReport, Watcher
from services.watch_state import REAUTHORIZE, WatchLock
from words.states import RUN_STATUSES

if TYPE_CHECKING:
    from collections.abc import Callable
    from contextlib import AbstractAsyncContextManager
    from datetime import datetime

    from cli.commands import Subcommands
    from services.config import Config
    from services.meli.client import MeliClient
    from services.sync.engine import SyncResult
    from services.sync.erp_watch import CsvPickup


def register(sub: Subcommands) -> None:
    parser = sub.add_parser(
        "watch",
        help=_("keep the stock in step by itself (a service: one per home)"),
        description=_(
            "Every tick, read the orders updated since the last one, book new sales "
            "and cancellations, and write the listings whose ERP stock moved. Every "
            "--reconcile-every hours, a full stock sync. Stop with SIGTERM or Ctrl-C."
        ),
    )
    parser.add_argument(
        "--every", type=number, default=60.0, metavar=_("SECONDS"), help=_("seconds between ticks (default 60)")
    )
    parser.add_argument(
        "--reconcile-every",
        type=number,
        default=6.0,
        metavar=_("HOURS"),
        help=_("hours between full stock syncs (default 6)"),
    )
    parser.add_argument(
        "--erp-csv",
        type=Path,
        metavar=_("FILE"),
        help=_("import this ERP stock CSV whenever it changes (a count taken at the file's time)"),
    )
    parser.add_argument(
        "--erp-csv-settle",
        type=number,
        default=STABLE_SECONDS,
        metavar=_("SECONDS"),
        help=_(
            "import --erp-csv only once nobody wrote it for this long (default {seconds:g})", seconds=STABLE_SECONDS
        ),
    )
    parser.add_argument("--once", action="store_true", help=_("one tick (or the due full sync), then exit"))
    parser.add_argument(
        "--dry-run", action="store_true", help=_("with --once: show what the tick would do; write nothing")
    )
    parser.add_argument("--json", action="store_true", help=_("one JSON line per tick that acted (for log shippers)"))
    parser.set_defaults(func=run)


async def run(
    args: argparse.Namespace,
    *,
    client_opener: Callable[[Config], AbstractAsyncContextManager[MeliClient]] | None = None,
) -> int:
    if args.every <= 0 or args.reconcile_every <= 0 or args.erp_csv_settle < 0:
        raise BadInput(N_("--every and --reconcile-every must be greater than zero (--erp-csv-settle: zero or more)"))
    if args.dry_run and not args.once:
        raise BadInput(N_("--dry-run previews one tick: use it with --once"))
    if args.erp_csv is not None and not args.erp_csv.parent.is_dir():
        # the file itself may come later (the ERP drops it); a folder that is not there is a typo
        raise BadInput(
            N_("{erp_csv}: no folder {parent} (--erp-csv names the CSV the ERP exports)"),
            erp_csv=args.erp_csv,
            parent=args.erp_csv.parent,
        )
    config = load_config()
    require_connection(config)
    if client_opener is None:
        from services.meli.client import open_client

        client_opener = open_client
    lock = WatchLock(config.home)
    lock.acquire()  # before anything is written: a second watcher is refused with the first one's pid
    try:
        watcher = Watcher(
            config,
            client_opener,
            every=args.every,
            reconcile_every=args.reconcile_every,
            dry_run=args.dry_run,
            on_tick=_printer(args),
            reload_config=load_config,
            before_tick=_erp_pickup(args, config) if args.erp_csv else None,
        )
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, watcher.stop)
        loop.add_signal_handler(signal.SIGHUP, watcher.reload)
        if not args.json:
            print(
                "melisync watch: "
                + _(
                    "every {every:g} s, full stock sync every {hours:g} h (home {home}); stop with Ctrl-C or SIGTERM",
                    every=args.every,
                    hours=args.reconcile_every,
                    home=config.home,
                ),
                file=sys.stderr,
                flush=True,
            )
        try:
            code = await watcher.run(once=args.once)
            if not (args.json or args.once):
                ticks = watcher.heartbeat.ticks
                print(
                    "melisync watch: " + _n("stopped after {count} tick", "stopped after {count} ticks", ticks),
                    file=sys.stderr,
                    flush=True,
                )
            return code
        finally:
            for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
                loop.remove_signal_handler(sig)
    finally:
        lock.release()


def _printer(args: argparse.Namespace) -> Callable[[TickReport], None]:
    def show(report: TickReport) -> None:
        if report.outcome == PREVIEW and report.result is not None and not args.json:
            print(render_plan_of(report.result))
            return
        if report.outcome not in (ACTED, PREVIEW, FAILED_TICK, REAUTHORIZE) and not report.error:
            return  # an idle tick says nothing (the heartbeat shows it)
        if args.json:
            print(json.dumps(report.to_dict()), flush=True)
        else:
            print(render_tick(report), flush=True)

    return show


def render_plan_of(result: SyncResult) -> str:
    """The plan a previewed tick (`--once --dry-run`) would apply, as `sync --dry-run` shows one."""
    from services.sync.plan import Plan, SyncKind

    plan = Plan(
        kind=SyncKind(result.kind),
        actions=result.actions,
        notes=result.notes,
        unchanged=result.counts.get("unchanged", 0),
    )
    return render_plan(plan, result.run_id, True)


def render_tick(report: TickReport) -> str:
    at = local_time(report.at)
    if report.outcome == FAILED_TICK:
        return f"{at} " + _("tick failed (trying again later): {error}", error=report.error)
    if report.outcome == REAUTHORIZE:
        return f"{at} " + _("stopped: {error}", error=report.error)
    if report.outcome == IDLE:
        return f"{at} {report.error}"
    if report.reconcile:
        head = _(
            "full stock sync run {run} {status}:", run=report.run_id, status=word(RUN_STATUSES, report.status or "")
        )
    else:
        head = _("tick run {run} {status}:", run=report.run_id, status=word(RUN_STATUSES, report.status or ""))
    counts = ", ".join(
        (
            _n("{count} sale booked", "{count} sales booked", report.sales),
            _n("{count} stock write", "{count} stock writes", report.writes),
            _n("{count} failed", "{count} failed", report.failed),
        )
    )
    return f"{at} {head} {counts}"


def _erp_pickup(args: argparse.Namespace, config: Config) -> CsvPickup:
    from services.erp.catalog import Catalog
    from services.erp.stock_count import import_stock_count
    from services.sync.erp_watch import CsvPickup

    def import_count(file: Path, counted_at: datetime) -> None:
        report = import_stock_count(file, counted_at, Catalog(home=config.home), max_stock=config.max_stock)
        print(
            _n(
                "{file}: {count} stock counted at {when}, {adjusted} adjusted",
                "{file}: {count} stocks counted at {when}, {adjusted} adjusted",
                report.rows,
                file=file,
                when=local_time(counted_at),
                adjusted=report.adjusted,
            ),
            file=sys.stderr,
            flush=True,
        )

    return CsvPickup(args.erp_csv, import_count, stable_seconds=args.erp_csv_settle)
