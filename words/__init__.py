"""Words at the edge: what the services say as codes and values (services/reasons.py), in the operator's
language. Shared by the CLI and the TUI; imports services/ (i18n) and never Textual (tests/test_layering.py)."""
