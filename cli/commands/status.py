"""`melisync status [--json]`: connection, account, token expiry, where secrets live, links by state.

Exit status 0 when connected, 3 when not connected or re-authorization is needed (the report is printed
either way). Reads local facts only: no call to Mercado Livre.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from cli.words import CAPABILITIES, link_counts, word
from services.config import load_config, unknown_settings_warning
from services.connection import status_report, store_label
from services.i18n import _, _n, local_time

if TYPE_CHECKING:
    from cli.commands import Subcommands


def register(sub: Subcommands) -> None:
    parser = sub.add_parser("status", help=_("connection, account, token expiry, where secrets live, links by state"))
    parser.add_argument("--json", action="store_true", help=_("one JSON document on stdout"))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    report = status_report(load_config())
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(render(report))
    return 0 if report["connected"] else 3


def labelled(rows: list[tuple[str, str]]) -> list[str]:
    """ "Label: value" lines with the values in one column, whatever the labels' length in the language."""
    width = max(len(label) for label, _value in rows) + 2
    return [f"{label + ':':<{width}}{value}" for label, value in rows]


def render(report: dict) -> str:
    if report["needs_reauthorization"]:
        state = _("re-authorization needed: run `melisync connect`")
    elif report["connected"]:
        state = _("connected")
    else:
        state = _("not connected: run `melisync connect`")
    expiry = local_time(report["token_expires_at"]) if report["token_expires_at"] else "-"
    if report["token_expired"]:
        expiry += " " + _("(expired; refreshed automatically on the next call)")
    rows = [
        ("Mercado Livre", state),
        (
            _("Account"),
            _(
                "{nickname} (user {user}, site {site})",
                nickname=report["nickname"] or "-",
                user=report["user_id"] or "-",
                site=report["site_id"] or "-",
            ),
        ),
        (_("Capabilities"), ", ".join(word(CAPABILITIES, tag) for tag in report["capabilities"]) or _("none")),
        (_("Token expires"), expiry),
        (_("Tokens in"), store_label(report["secret_store"]) if report["secret_store"] else "-"),
        (
            _("Client secret"),
            store_label(report["client_secret_store"])
            if report["client_secret_store"]
            else _("not set (melisync config set-secret)"),
        ),
        (_("Home"), str(report["home"])),
    ]
    links = {state: count for state, count in report["links"].items() if count}
    if links:
        rows.append((_("Links"), link_counts(links)))
    else:
        rows.append((_("Links"), _("none yet (run a sync)")))
    if report.get("unknown_settings"):
        rows.append((_("Config"), unknown_settings_warning(tuple(report["unknown_settings"]))))
    head, details = render_watch(report["watch"])
    rows.append((_("Watch"), head))
    return "\n".join(labelled(rows) + (labelled(details) if details else []))


def render_watch(watch: dict) -> tuple[str, list[tuple[str, str]]]:
    """The `melisync watch` lines: running or not, and what it did last (docs/internals.md, "The watcher"),
    each time in the user's format."""
    state = watch["state"]
    if state == "running":
        head = _("running (process {pid}, every {every:g} s)", pid=watch["pid"], every=watch["every"])
    elif state == "reauthorization_needed":
        head = _("stopped: Mercado Livre needs you to authorize melisync again (`melisync connect`), then start it")
    else:
        head = _("stopped")
    sale, write = watch["last_sale"], watch["last_write"]
    rows: list[tuple[str, str]] = []
    if watch["last_tick"] or sale or write:
        rows += [
            ("  " + _("last tick"), _when(watch["last_tick"])),
            (
                "  " + _("last sale"),
                _(
                    "{when} (order {order}, {code})",
                    when=_when(sale["at"]),
                    order=sale["order_id"],
                    code=sale["erp_code"],
                )
                if sale
                else "-",
            ),
            (
                "  " + _("last write"),
                _n(
                    "{when} (run {run}, {count} listing)",
                    "{when} (run {run}, {count} listings)",
                    write["writes"],
                    when=_when(write["at"]),
                    run=write["run_id"],
                )
                if write
                else "-",
            ),
        ]
    if state == "running":
        rows.append(("  " + _("next full sync"), _when(watch["next_reconcile"])))
    if watch["errors_last_hour"]:
        rows.append(
            (
                "  " + _("errors in the last hour"),
                _("{count} (last: {error})", count=watch["errors_last_hour"], error=watch["last_error"]),
            )
        )
    return head, rows


def _when(moment: str | None) -> str:
    """A moment of the heartbeat (ISO text) as local time in the user's format; "-" when there is none."""
    return local_time(moment) if moment else "-"
