"""`melisync log` (placeholder until its issue lands)."""

from services.errors import OperationFailed


def register(sub) -> None:
    parser = sub.add_parser("log", help="(not built yet)")
    parser.set_defaults(func=run)


def run(args) -> int:
    raise OperationFailed("`melisync log` is not built yet")
