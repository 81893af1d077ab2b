"""`melisync config set KEY VALUE`, `config set-secret` (client secret from stdin) and `config show`."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import TYPE_CHECKING

from services.config import CONFIG_KEYS, SETTINGS, load_config, set_setting
from services.connection import store_label
from services.errors import BadInput
from services.i18n import N_, _
from services.secrets import SecretStore

if TYPE_CHECKING:
    from cli.commands import Subcommands


def register(sub: Subcommands) -> None:
    parser = sub.add_parser("config", help=_("settings (config.toml) and the client secret"))
    actions = parser.add_subparsers(dest="config_action", metavar=_("ACTION"))
    setter = actions.add_parser(
        "set",
        help=_("write one setting to config.toml"),
        description=_("Settings: {settings}", settings="; ".join(f"{k}: {_(v[2])}" for k, v in SETTINGS.items())),
    )
    setter.add_argument("key", metavar=_("KEY"))
    setter.add_argument("value", metavar=_("VALUE"))
    setter.set_defaults(func=run_set)
    secret = actions.add_parser(
        "set-secret",
        help=_("store the application's client secret, read from stdin (not echoed on a terminal; works from a pipe)"),
    )
    secret.set_defaults(func=run_set_secret)
    show = actions.add_parser("show", help=_("print the settings in force (never a secret)"))
    show.set_defaults(func=run_show)
    parser.set_defaults(func=run_show)


def run_set(args: argparse.Namespace) -> int:
    value = set_setting(args.key, args.value)
    print(f"{args.key} = {value}")
    return 0


def run_set_secret(args: argparse.Namespace) -> int:
    if sys.stdin.isatty():
        value = getpass.getpass(_("Client secret (not shown): "))
    else:
        value = sys.stdin.readline()
    value = value.strip()
    if not value:
        raise BadInput(
            N_(
                "no client secret was given: type it (or pipe it) on stdin, e.g. "
                '`printf %s "$SECRET" | melisync config set-secret`'
            )
        )
    where = SecretStore(load_config().home).set_client_secret(value)
    print(_("client secret stored in {where}", where=store_label(where)))
    return 0


def run_show(args: argparse.Namespace) -> int:
    config = load_config()
    print(f"home = {config.home}")
    for key in CONFIG_KEYS:
        print(f"{key} = {getattr(config, key)}")
    return 0
