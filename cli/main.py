"""The `melisync` command line (docs/architecture.md §5): one argparse parser, one module per command.

Each module in `cli.commands` has `register(subparsers)`, which adds its parser and sets
`func(args) -> int` (a coroutine function is run with asyncio). Errors meant for the operator are
`services.errors.MelisyncError`s: their message goes to stderr and their exit code is returned.

Only the chosen command's module is imported: the others are listed by their one-line help (`COMMANDS`), so
`melisync --help` and `melisync status` load neither httpx nor keyring nor the sync engine (issue 16: both
answer in well under 0.3 s). tests/test_cli.py checks that each line here is the help its module registers.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys

from cli.argparse_words import install as speak_argparse
from services.errors import BadInput, MelisyncError
from services.i18n import N_, _, set_language
from words.reasons import say

# command -> its one-line help, in the order `--help` lists them (the same text its module registers).
COMMANDS = {
    "demo": N_("the TUI against the bundled Mercado Livre sandbox with demo data, in a throw-away home"),
    "sandbox": N_("serve the Mercado Livre emulator (demo data, demo app credentials)"),
    "config": N_("settings (config.toml) and the client secret"),
    "connect": N_("authorize melisync on your Mercado Livre account"),
    "status": N_("connection, account, token expiry, where secrets live, links by state"),
    "erp": N_("import or export the ERP catalogue (CSV)"),
    "links": N_("listings and variations with their link to the ERP"),
    "sync": N_("plan and apply a sync with Mercado Livre"),
    "watch": N_("keep the stock in step by itself (a service: one per home)"),
    "log": N_("what each sync did"),
    "unlink": N_("remove the integration: revoke on Mercado Livre, delete the tokens"),
    "doctor": N_("check the files of the melisync home; --restore puts good copies back"),
}
EVERY = "*"  # build_parser(EVERY): every command's full parser (tests)


def asked_language(argv: list[str]) -> str | None:
    """The value of `--lang` (or `--lang=X`) before the command, read ahead of argparse: the help texts are
    written in the language, so it must be known before the parser is built."""
    for index, word in enumerate(argv):
        if word == "--lang":
            return argv[index + 1] if index + 1 < len(argv) else None
        if word.startswith("--lang="):
            return word.partition("=")[2]
        if not word.startswith("-"):
            return None  # the command: `--lang` is a global option, given before it
    return None


def chosen_command(argv: list[str]) -> str | None:
    """The command named on the line (the first word that is not an option or --lang's value), if any."""
    skip = False
    for word in argv:
        if skip:
            skip = False
        elif word == "--lang":
            skip = True
        elif not word.startswith("-"):
            return word if word in COMMANDS else None
    return None


def build_parser(command: str | None = EVERY) -> argparse.ArgumentParser:
    """The parser with `command`'s full sub-parser (EVERY: all of them); the others are listed by name and help
    only, so their modules (and what they import) are not loaded."""
    parser = argparse.ArgumentParser(
        prog="melisync",
        description=_("Link an ERP catalogue to a Mercado Livre seller account. Without a command, opens the TUI."),
    )
    parser.add_argument("--lang", metavar="LANG", help=_("language of the interface: en or pt_BR (default: from LANG)"))
    sub = parser.add_subparsers(dest="command", metavar=_("COMMAND"))
    for name, summary in COMMANDS.items():
        if command in (EVERY, name):
            importlib.import_module(f"cli.commands.{name}").register(sub)
        else:
            sub.add_parser(name, help=_(summary))
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    wants_json = "--json" in argv
    try:
        # One language for every command's output, its help and argparse's own words, TUI or not.
        set_language(asked_language(argv))
    except BadInput as exc:
        return _failed(exc, wants_json)
    speak_argparse()
    parser = build_parser(chosen_command(argv))
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        if exc.code and wants_json:  # usage errors too answer with one JSON document (in English, for scripts)
            _failed_document(["the command line is not valid (see the usage on stderr)"], "usage")
        raise
    func = getattr(args, "func", None)
    if func is None:
        func = importlib.import_module("cli.commands.tui").run
    wants_json = bool(getattr(args, "json", False))
    try:
        _warn_unknown_settings()
        result = func(args)
        if hasattr(result, "__await__"):
            import asyncio  # only the commands that need it pay for it

            result = asyncio.run(result)
        sys.stdout.flush()  # a closed pipe shows up here, inside the handler below
        return int(result or 0)
    except MelisyncError as exc:
        return _failed(exc, wants_json)
    except KeyboardInterrupt:
        print("melisync: " + _("command interrupted"), file=sys.stderr)
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
        print(
            "melisync: "
            + _(
                "unexpected error ({what}); nothing more was done. Run `melisync doctor` to check "
                "the home, and report this with the command you ran",
                what=what,
            ),
            file=sys.stderr,
        )
        if wants_json:
            _failed_document([f"unexpected error ({what})"], type(exc).__name__)
        return 1


def _failed(exc: MelisyncError, wants_json: bool) -> int:
    """An error meant for the operator: its message on stderr (in their language), the JSON answer in English."""
    print(f"melisync: {say(exc.reason) if exc.reason else exc}", file=sys.stderr)
    if wants_json:
        _failed_document([getattr(exc, "english", str(exc))], type(exc).__name__)
    return exc.exit_code


def _warn_unknown_settings() -> None:
    """Keys of config.toml that are no setting are not applied: say so on stderr rather than drop them silently."""
    from services.config import unknown_settings, unknown_settings_warning
    from services.home import home_dir

    unknown = unknown_settings(home_dir())
    if unknown:
        print("melisync: " + _("warning: {what}", what=unknown_settings_warning(unknown)), file=sys.stderr)


def _failed_document(messages: list[str], error: str) -> None:
    """The `--json` answer of a command that failed before printing its own document (docs/architecture.md §5)."""
    print(json.dumps({"status": "failed", "errors": [{"error": error, "message": m} for m in messages]}, indent=2))
    sys.stdout.flush()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
