"""`melisync demo` (placeholder until its issue lands)."""

from services.errors import OperationFailed


def register(sub) -> None:
    parser = sub.add_parser("demo", help="(not built yet)")
    parser.set_defaults(func=run)


def run(args) -> int:
    raise OperationFailed("`melisync demo` is not built yet")
