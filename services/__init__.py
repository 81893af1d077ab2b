"""Everything that does the work. Never imports textual, tui or screens (a test checks it)."""
