"""`melisync demo [--listings N] [--user-products]`: the TUI against an in-process sandbox, in a
throw-away home (removed on exit) with the demo ERP catalogue already imported.

The connect modal gets a key that approves the sandbox's authorization page for the operator, so
connect -> sync -> unlink can be tried in seconds. Nothing here touches the real home or keyring.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from cli.arg_types import whole_number
from services.errors import BadInput
from services.i18n import N_, _, set_language

if TYPE_CHECKING:
    from collections.abc import Iterator

    import httpx

    from cli.commands import Subcommands
    from sandbox.state import SandboxState
    from services.config import Config
    from tui.workers import ServiceGateway

# The demo home must not leave tokens in the operator's real keyring: everything goes to the
# 0600 file inside the throw-away home, and the (public) demo client secret comes from the environment.
_DEMO_ENV = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
DEMO_KITS = 2  # Mercado Livre kits in the demo catalogue
DEMO_STOCK_RPM = 100_000  # the demo sandbox's (and client's) /user-products/{id}/stock limit
_CLEARED_ENV = ("MELISYNC_CLIENT_ID", "MELISYNC_REDIRECT_URI", "MELISYNC_API_URL", "MELISYNC_AUTH_URL")


def register(sub: Subcommands) -> None:
    parser = sub.add_parser(
        "demo", help=_("the TUI against the bundled Mercado Livre sandbox with demo data, in a throw-away home")
    )
    parser.add_argument(
        "--listings", metavar="N", type=whole_number, default=300, help=_("how many demo listings (default 300)")
    )
    parser.add_argument(
        "--seed", metavar="N", type=whole_number, default=0, help=_("seed of the demo data (default 0)")
    )
    parser.add_argument(
        "--orders", metavar="N", type=whole_number, default=5, help=_("paid sales waiting to be imported (default 5)")
    )
    parser.add_argument(
        "--user-products",
        action="store_true",
        help=_("the demo seller is on the User Products model (one listing per variant)"),
    )
    parser.set_defaults(func=run)


@contextmanager
def demo_environment(home: Path) -> Iterator[None]:
    """Point every service at `home` and keep secrets out of the keyring; restore on exit."""
    import sandbox

    changes = {**_DEMO_ENV, "MELISYNC_HOME": str(home), "MELISYNC_CLIENT_SECRET": sandbox.DEMO_CLIENT_SECRET}
    saved = {name: os.environ.get(name) for name in (*changes, *_CLEARED_ENV)}
    os.environ.update(changes)
    for name in _CLEARED_ENV:
        os.environ.pop(name, None)
    _reset_keyring()
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        _reset_keyring()


def _reset_keyring() -> None:
    import keyring.core

    keyring.core.init_backend()  # keyring caches its backend: make it read the environment again


def prepare_home(home: Path, base_url: str, listings: int, seed: int, warehouse: str = "") -> None:
    """config.toml pointing at the sandbox, and the demo ERP catalogue imported from its CSV."""
    import sandbox
    from sandbox.catalog import generate
    from services.config import set_setting
    from services.erp.csv_io import import_csv

    for key, value in (
        ("client_id", sandbox.DEMO_CLIENT_ID),
        ("redirect_uri", sandbox.DEMO_REDIRECT_URI),
        ("api_url", base_url),
        ("auth_url", base_url),
    ):
        set_setting(key, value, home)
    if warehouse:
        # The in-process sandbox has no rate limit: without Mercado Livre's 100 stock reads a minute, reading the
        # stock of every user product of the demo's multi-warehouse seller takes seconds, not minutes.
        for key, value in (
            ("warehouse", warehouse),
            ("requests_per_second", "500"),
            ("stock_requests_per_minute", str(DEMO_STOCK_RPM)),
        ):
            set_setting(key, value, home)
    csv_path = home / "demo-erp.csv"
    csv_path.write_text(generate(listings, seed, DEMO_KITS).erp_csv, encoding="utf-8")
    import_csv(csv_path)


def run(args: argparse.Namespace) -> int:
    set_language(getattr(args, "lang", None))
    if args.listings < 1:
        raise BadInput(N_("--listings must be at least 1"))
    if args.orders < 0:
        raise BadInput(N_("--orders must not be negative"))
    from sandbox.server import SandboxServer

    state = demo_state(args.listings, args.seed, args.user_products)
    scratch = Path(tempfile.mkdtemp(prefix="melisync-demo-"))
    home = scratch / "home"
    try:
        with demo_environment(home), SandboxServer(state) as server:
            prepare_home(home, server.base_url, args.listings, args.seed, warehouse=state.stores[0]["id"])
            if args.orders:
                # After the ERP count (the import): sales the first sync takes off the ERP, as a seller's would be.
                state.create_sample_orders(args.orders)
            return open_app(home, state)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def demo_state(listings: int, seed: int, user_products: bool = False, orders: int = 0) -> SandboxState:
    """The demo's Mercado Livre. On by default, so the screens show them: Mercado Livre kits, and a
    multi-warehouse seller (two stores, the second holding units of some products, Full next to the seller's own
    stock); the demo writes the first store."""
    from sandbox.state import SandboxState

    state = SandboxState(
        listings=listings,
        seed=seed,
        user_products=user_products,
        kits=DEMO_KITS,
        warehouse_management=True,
        warehouses=2,
        up_stock_rpm=DEMO_STOCK_RPM,
    )
    state.demo_warehouse_cases()
    if orders:
        state.create_sample_orders(orders)
    return state


def open_app(home: Path, state: SandboxState) -> int:
    from services.config import load_config
    from tui.app import MelisyncApp

    config = load_config(home)
    app = MelisyncApp(config, gateway=demo_gateway(config, state), demo=True)
    app.run()
    return app.return_code or 0


def demo_gateway(
    config: Config, state: SandboxState, transport: httpx.AsyncBaseTransport | None = None
) -> ServiceGateway:
    """The real services, plus what only the demo's in-process sandbox allows: approving the
    authorization page and playing the seller on the Mercado Livre site."""
    from tui.workers import ServiceGateway

    class DemoGateway(ServiceGateway):
        can_simulate = True

        def simulate_seller_edit(
            self, listing_id: str, variation_id: int | None, code: str | None
        ) -> tuple[str | None, str]:
            """Change the reference code on the sandbox as the seller would on the site -> (old, new)."""
            new = f"{code}-V2" if code else "DEMO-V2"
            state.set_reference_code(listing_id, new, variation_id)
            return code, new

    return DemoGateway(config, transport=transport, approver=state.approve, demo=True)
