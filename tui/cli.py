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
import json
import os
import sys

from services.errors import MelisyncError
from services.i18n import set_language

COMMANDS = ("demo", "sandbox", "config", "connect", "status", "erp", "links", "sync", "watch", "log", "unlink", "doctor")


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
    wants_json = "--json" in (sys.argv[1:] if argv is None else argv)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        if exc.code and wants_json:  # usage errors too answer with one JSON document
            _failed_document(["the command line is not valid (see the usage on stderr)"], "usage")
        raise
    func = getattr(args, "func", None)
    if func is None:
        func = importlib.import_module("tui.commands.tui").run
    wants_json = bool(getattr(args, "json", False))
    try:
        set_language(args.lang)  # one language for every command's output, TUI or not
        _warn_unknown_settings()
        result = func(args)
        if inspect.iscoroutine(result):
            result = asyncio.run(result)
        sys.stdout.flush()  # a closed pipe shows up here, inside the handler below
        return int(result or 0)
    except MelisyncError as exc:
        print(f"melisync: {exc}", file=sys.stderr)
        if wants_json:
            _failed_document([str(exc)], type(exc).__name__)
        return exc.exit_code
    except KeyboardInterrupt:
        print("melisync: interrupted", file=sys.stderr)
        if wants_json:
            _failed_document(["interrupted"], "KeyboardInterrupt")
        return 130
    except BrokenPipeError:
        # `melisync log | head`: the reader left; that is not an error worth a traceback.
        # Point stdout at devnull so the interpreter's final flush does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # a bug: one line and exit 1, never a raw traceback (it may show paths and data)
        what = f"{type(exc).__name__}: {str(exc)[:200]}".rstrip(": ")
        print(f"melisync: unexpected error ({what}); nothing more was done. Run `melisync doctor` to check "
              "the home, and report this with the command you ran", file=sys.stderr)
        if wants_json:
            _failed_document([f"unexpected error ({what})"], type(exc).__name__)
        return 1


def _warn_unknown_settings() -> None:
    """Keys of config.toml that are no setting are not applied: say so on stderr rather than drop them silently."""
    from services.config import unknown_settings, unknown_settings_warning
    from services.home import home_dir

    unknown = unknown_settings(home_dir())
    if unknown:
        print(f"melisync: warning: {unknown_settings_warning(unknown)}", file=sys.stderr)


def _failed_document(messages: list[str], error: str) -> None:
    """The `--json` answer of a command that failed before printing its own document (architecture.md §5)."""
    print(json.dumps({"status": "failed", "errors": [{"error": error, "message": m} for m in messages]}, indent=2))
    sys.stdout.flush()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
