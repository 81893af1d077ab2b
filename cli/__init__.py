"""The headless command line: `melisync` and its subcommands. Never imports Textual; `demo` and `tui`
load the interface only when they are the command chosen (tests/test_layering.py)."""
