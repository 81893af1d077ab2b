"""`melisync unlink [--yes] [--purge] [--local-only] [--dry-run]` (S9): revoke the grant on Mercado Livre,
delete the tokens, mark the account disconnected. ERP data, links and the journal stay unless `--purge`."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from cli.commands.sync import ask, can_ask
from services.config import load_config
from services.connection import load_connection
from services.errors import BadInput, NotConnected
from services.i18n import N_, _
from services.unlink import RevokeFailed, UnlinkReport, unlink
from words.reasons import say as say_reason
from words.reasons import say_english

if TYPE_CHECKING:
    from cli.commands import Subcommands
    from services.config import Config
    from services.meli.client import MeliClient


def register(sub: Subcommands) -> None:
    parser = sub.add_parser("unlink", help=_("remove the integration: revoke on Mercado Livre, delete the tokens"))
    parser.add_argument("--yes", action="store_true", help=_("do it without asking"))
    parser.add_argument("--purge", action="store_true", help=_("also delete the ERP catalogue, links and sync journal"))
    parser.add_argument(
        "--local-only",
        action="store_true",
        help=_("delete the local tokens without revoking on Mercado Livre (when the revoke fails)"),
    )
    parser.add_argument(
        "--dry-run", action="store_true", help=_("say what unlink would remove and keep; change nothing")
    )
    parser.add_argument("--json", action="store_true", help=_("one JSON document on stdout"))
    parser.set_defaults(func=run)


async def run(args: argparse.Namespace, *, client: MeliClient | None = None) -> int:
    dry_run = getattr(args, "dry_run", False)
    if not (args.yes or dry_run or can_ask()):
        raise BadInput(N_("unlink removes the connection: pass --yes to do it without a terminal to ask on"))
    config = load_config()
    connection = load_connection(config.home)
    if not connection.connected and not args.purge:
        raise NotConnected(N_("no Mercado Livre account is connected: nothing to unlink"))
    kept = _("deleted too (--purge)") if args.purge else _("kept")
    say = sys.stderr if args.json else sys.stdout  # with --json, stdout holds the one document only
    print(
        _(
            "Unlink {account} (user {user}): revoke melisync's authorization on Mercado Livre and delete the "
            "tokens. ERP catalogue, links and sync journal: {kept}.",
            account=connection.nickname or _("the account"),
            user=connection.user_id or "-",
            kept=kept,
        ),
        file=say,
    )
    if dry_run:
        print(_("Dry run: nothing was changed."), file=say)
        if args.json:
            print(json.dumps({"status": "dry_run"}, indent=2))
        return 0
    if not args.yes and not ask(_("Unlink now?")):
        print(_("Nothing was changed."), file=say)
        if args.json:
            print(json.dumps({"status": "declined"}, indent=2))
        return 0
    local_only = args.local_only
    try:
        report = await _unlink(config, client, args.purge, local_only)
    except RevokeFailed as exc:
        if args.yes or not can_ask():
            raise
        print(f"melisync: {exc}", file=say)
        if not ask(_("Delete the local tokens anyway (the grant may stay active on Mercado Livre)?")):
            return 1
        report = await _unlink(config, client, args.purge, True)
    if args.json:
        print(json.dumps(report.to_dict(say_english), indent=2))
    else:
        if report.revoked:
            print(_("Revoked on Mercado Livre."))
        else:
            print(_("Not revoked on Mercado Livre: {why}.", why=say_reason(report.revoke_error)))
        print(_("Local tokens deleted; the account is disconnected."))
        if report.purged:
            print(_("Deleted: {what}", what=", ".join(report.purged)))
        if report.kept:
            print(_("Kept: {what}", what=", ".join(_(kept) for kept in report.kept)))
    return 0


async def _unlink(config: Config, client: MeliClient | None, purge: bool, local_only: bool) -> UnlinkReport:
    if client is None and not local_only:
        from services.meli.client import open_client

        async with open_client(config) as client:
            return await unlink(config, client, purge=purge, local_only=local_only)
    return await unlink(config, client, purge=purge, local_only=local_only)
