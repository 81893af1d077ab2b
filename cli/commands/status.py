"""`melisync status [--json]`: connection, account, token expiry, where secrets live, links by state.

Exit status 0 when connected, 3 when not connected or re-authorization is needed (the report is printed
either way). Reads local facts only: no call to Mercado Livre.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from services.config import load_config, unknown_settings_warning
from services.connection import status_report
from services.i18n import local_time

if TYPE_CHECKING:
    from cli.commands import Subcommands


def register(sub: Subcommands) -> None:
    parser = sub.add_parser("status", help="connection, account, token expiry, where secrets live, links by state")
    parser.add_argument("--json", action="store_true", help="one JSON document on stdout")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    report = status_report(load_config())
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(render(report))
    return 0 if report["connected"] else 3


def render(report: dict) -> str:
    if report["needs_reauthorization"]:
        state = "re-authorization needed: run `melisync connect`"
    elif report["connected"]:
        state = "connected"
    else:
        state = "not connected: run `melisync connect`"
    expiry = local_time(report["token_expires_at"]) if report["token_expires_at"] else "-"
    if report["token_expired"]:
        expiry += " (expired; refreshed automatically on the next call)"
    lines = [
        f"Mercado Livre: {state}",
        f"Account:       {report['nickname'] or '-'} (user {report['user_id'] or '-'}, site {report['site_id'] or '-'})",
        f"Capabilities:  {', '.join(report['capabilities']) or 'none'}",
        f"Token expires: {expiry}",
        f"Tokens in:     {report['secret_store'] or '-'}",
        f"Client secret: {report['client_secret_store'] or 'not set (melisync config set-secret)'}",
        f"Home:          {report['home']}",
    ]
    links = {state: count for state, count in report["links"].items() if count}
    if links:
        lines.append("Links:         " + ", ".join(f"{state} {count}" for state, count in sorted(links.items())))
    else:
        lines.append("Links:         none yet (run a sync)")
    if report.get("unknown_settings"):
        lines.append("Config:        " + unknown_settings_warning(tuple(report["unknown_settings"])))
    lines += render_watch(report["watch"])
    return "\n".join(lines)


def render_watch(watch: dict) -> list[str]:
    """The `melisync watch` lines: running or not, and what it did last (docs/internals.md, "The watcher")."""
    state = watch["state"]
    if state == "running":
        head = f"running (process {watch['pid']}, every {watch['every']:g} s)"
    elif state == "reauthorization_needed":
        head = "stopped: Mercado Livre needs you to authorize melisync again (`melisync connect`), then start it"
    else:
        head = "stopped"
    sale, write = watch["last_sale"], watch["last_write"]
    lines = [f"Watch:         {head}"]
    if watch["last_tick"] or sale or write:
        lines += [
            f"  last tick:   {watch['last_tick'] or '-'}",
            "  last sale:   " + (f"{sale['at']} (order {sale['order_id']}, {sale['erp_code']})" if sale else "-"),
            "  last write:  "
            + (
                f"{write['at']} (run {write['run_id']}, {write['writes']} "
                f"{'listing' if write['writes'] == 1 else 'listings'})"
                if write
                else "-"
            ),
        ]
    if state == "running":
        lines.append(f"  next full sync: {watch['next_reconcile'] or '-'}")
    if watch["errors_last_hour"]:
        lines.append(f"  errors in the last hour: {watch['errors_last_hour']} (last: {watch['last_error']})")
    return lines
