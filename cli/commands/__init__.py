"""One module per CLI command; each exposes `register(subparsers)`."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse

    Subcommands = argparse._SubParsersAction[argparse.ArgumentParser]  # what each `register(sub)` is handed
