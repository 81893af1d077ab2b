"""The `melisync` command line (architecture.md §5): one argparse parser, one module per command.

Each module in `tui.commands` has `register(subparsers)`, which adds its parser and sets
`func(args) -> int` (a coroutine function is run with asyncio). Errors meant for the operator are
`services.errors.MelisyncError`s: their message goes to stderr and their exit code is returned.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import inspect
import os
import sys

from services.errors import MelisyncError
from services.i18n import set_language

COMMANDS = ("demo", "sandbox", "config", "connect", "status", "erp", "links", "sync", "log", "unlink")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="melisync",
        description="Link an ERP catalogue to a Mercado Livre seller account. Without a command, opens the TUI.",
    )
    parser.add_argument("--lang", help="language of the interface: en or pt_BR (default: from LANG)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"tui.commands.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        func = importlib.import_module("tui.commands.tui").run
    try:
        set_language(args.lang)  # one language for every command's output, TUI or not
        result = func(args)
        if inspect.iscoroutine(result):
            result = asyncio.run(result)
        sys.stdout.flush()  # a closed pipe shows up here, inside the handler below
        return int(result or 0)
    except MelisyncError as exc:
        print(f"melisync: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("melisync: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `melisync log | head`: the reader left; that is not an error worth a traceback.
        # Point stdout at devnull so the interpreter's final flush does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
