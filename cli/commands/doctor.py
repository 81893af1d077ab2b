"""`melisync doctor [--restore] [--json]`: check every file of the home; put good copies back.

Exit 0 when every file is good (or was put back), 1 when a damaged file remains.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from cli.words import FILE_STATES, word
from services.config import load_config
from services.doctor import DAMAGED, NOT_RESTORED, check_home, restore
from services.i18n import _, local_time
from words.reasons import say, say_english

if TYPE_CHECKING:
    from cli.commands import Subcommands


def register(sub: Subcommands) -> None:
    parser = sub.add_parser("doctor", help=_("check the files of the melisync home; --restore puts good copies back"))
    parser.add_argument(
        "--restore", action="store_true", help=_("put the newest good copy back in place of each damaged data file")
    )
    parser.add_argument("--json", action="store_true", help=_("one JSON document on stdout"))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    home = load_config().home
    checks = restore(home) if args.restore else check_home(home)
    bad = [c for c in checks if c.state in (DAMAGED, NOT_RESTORED)]
    if args.json:
        print(
            json.dumps(
                {
                    "home": str(home),
                    "status": "damaged" if bad else "ok",
                    "files": [c.to_dict(say_english) for c in checks],  # --json stays English
                },
                indent=2,
            )
        )
        return 1 if bad else 0
    wide = max([20, *(len(c.name) + 1 for c in checks)])  # the catalogue file's name is longer than most
    for check in checks:
        line = f"{check.name:<{wide}} {word(FILE_STATES, check.state)}"
        if check.problem:
            line += ": " + say(check.problem)
        print(line)
        for copy in check.copies:
            when = local_time(copy.saved_at)
            if copy.good:
                print("    " + _("copy {path} (saved {when}, good)", path=copy.path, when=when))
            else:
                print(
                    "    "
                    + _(
                        "copy {path} (saved {when}, damaged: {problem})",
                        path=copy.path,
                        when=when,
                        problem=copy.problem,
                    )
                )
        if check.detail:
            print("    -> " + say(check.detail))
    print(_("Some files are damaged: see above.") if bad else _("The home is in order."))
    return 1 if bad else 0
