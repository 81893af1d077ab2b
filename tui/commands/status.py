"""`melisync status [--json]`: connection, account, token expiry, where secrets live, links by state.

Exit status 0 when connected, 3 when not connected or re-authorization is needed (the report is printed
either way). Reads local facts only: no call to Mercado Livre.
"""

from __future__ import annotations

import json

from services.config import load_config, unknown_settings_warning
from services.connection import status_report
from services.i18n import local_time


def register(sub) -> None:
    parser = sub.add_parser("status", help="connection, account, token expiry, where secrets live, links by state")
    parser.add_argument("--json", action="store_true", help="one JSON document on stdout")
    parser.set_defaults(func=run)


def run(args) -> int:
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
    return "\n".join(lines)
