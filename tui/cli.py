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
import sys

from services.errors import MelisyncError

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
        result = func(args)
        if inspect.iscoroutine(result):
            result = asyncio.run(result)
        return int(result or 0)
    except MelisyncError as exc:
        print(f"melisync: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("melisync: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
