"""`melisync` without a command: open the TUI (placeholder until the TUI issue lands)."""

from services.errors import OperationFailed


def run(args) -> int:
    raise OperationFailed("the TUI is not built yet")
