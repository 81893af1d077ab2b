"""`melisync connect`: print the authorization URL, read the redirect URL (or the code) from stdin, store
the tokens (S1). Works over SSH and from a pipe: nothing listens for the redirect."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING

from cli.words import CAPABILITIES, word
from services.config import load_config
from services.connection import load_connection, store_label
from services.errors import BadInput
from services.i18n import N_, _
from services.meli import oauth

if TYPE_CHECKING:
    from cli.commands import Subcommands
    from services.config import Config
    from services.meli.models import Account


def register(sub: Subcommands) -> None:
    parser = sub.add_parser(
        "connect",
        help=_("authorize melisync on your Mercado Livre account"),
        description=_(
            "Prints the authorization URL on a line of its own, then reads from stdin the address your "
            "browser ends on after you authorize (or just the code)."
        ),
    )
    steps = parser.add_mutually_exclusive_group()
    steps.add_argument(
        "--print-url",
        action="store_true",
        help=_(
            "for scripts, step 1: print only the authorization URL on stdout and keep the attempt "
            "open (30 minutes) for --redirect"
        ),
    )
    steps.add_argument(
        "--redirect",
        metavar="URL",
        help=_(
            "for scripts, step 2: the address the browser ended on (or the code), for the attempt "
            "started by --print-url"
        ),
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    config = load_config()
    if getattr(args, "print_url", False):
        url, _attempt = oauth.begin_authorization(config)
        print(url, flush=True)
        return 0
    if getattr(args, "redirect", None) is not None:
        try:
            account = asyncio.run(oauth.complete_authorization(config, args.redirect))
        finally:
            oauth.discard_pending(config.home)  # single-use, whatever the answer
        return _connected(config, account)
    url, _attempt = oauth.begin_authorization(config)
    try:
        _say(_("Open this address in a browser, logged in as the account's administrator, and authorize melisync:"))
        print(url, flush=True)
        _say(_("Then paste here the full address your browser ends on (or just the code) and press Enter:"))
        line = sys.stdin.readline()
        if not line.strip():
            raise BadInput(N_("nothing was pasted on stdin: run `melisync connect` again and paste the redirect URL"))
        account = asyncio.run(oauth.complete_authorization(config, line))
    finally:
        oauth.discard_pending(config.home)  # a CLI attempt lives as long as the command
    return _connected(config, account)


def _connected(config: Config, account: Account) -> int:
    connection = load_connection(config.home)
    print(
        _(
            "Connected: {nickname} (user {user}, site {site})",
            nickname=account.nickname,
            user=account.user_id,
            site=account.site_id,
        )
    )
    tags = ", ".join(word(CAPABILITIES, tag) for tag in connection.capabilities)
    print(_("Capabilities: {what}", what=tags or _("none (plain seller)")))
    print(_("Tokens stored in: {where}", where=store_label(connection.secret_store or "-")))
    if connection.secret_store and connection.secret_store.startswith("file"):
        _say(_("note: no system keyring works here, so the tokens are in that file (mode 0600); keep the home private"))
    if config.site and account.site_id and account.site_id != config.site:
        _say(
            _(
                "warning: the account is on site {site}, but melisync is configured for {configured}",
                site=account.site_id,
                configured=config.site,
            )
        )
    return 0


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)
