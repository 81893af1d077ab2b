"""`melisync sandbox`: serve the Mercado Livre emulator on this machine and print how to point melisync at it."""

from __future__ import annotations

import argparse
import gc
import signal
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from cli.arg_types import number, whole_number
from sandbox import ORDER_STATUSES, SALE_STATUSES
from sandbox.strictness import LENIENT, lenient_names
from services.errors import BadInput, OperationFailed
from services.i18n import N_, _, _n
from services.os_errors import os_problem

if TYPE_CHECKING:
    from collections.abc import Iterable

    import httpx

    from cli.commands import Subcommands

DEFAULT_PORT = 8765


def register(sub: Subcommands) -> None:
    parser = sub.add_parser(
        "sandbox",
        help=_("serve the Mercado Livre emulator (demo data, demo app credentials)"),
        description=_(
            "Serve the Mercado Livre sandbox on HTTP. It prints its base URL, the demo "
            "app's credentials and the commands that point melisync at it."
        ),
    )
    parser.add_argument(
        "--host", metavar=_("ADDRESS"), default="127.0.0.1", help=_("address to listen on (default 127.0.0.1)")
    )
    parser.add_argument(
        "--port",
        metavar=_("PORT"),
        type=whole_number,
        default=DEFAULT_PORT,
        help=_("port (default {port}; 0 picks a free one)", port=DEFAULT_PORT),
    )
    parser.add_argument(
        "--listings", metavar="N", type=whole_number, default=300, help=_("how many demo listings (default 300)")
    )
    parser.add_argument(
        "--seed", metavar="N", type=whole_number, default=0, help=_("seed of the demo data (default 0)")
    )
    parser.add_argument(
        "--latency-ms", metavar="MS", type=number, default=0, help=_("added to every answer (default 0)")
    )
    parser.add_argument(
        "--rate",
        metavar="N",
        type=number,
        default=None,
        help=_("requests per second allowed per app before 429 (default: no limit)"),
    )
    parser.add_argument(
        "--orders", metavar="N", type=whole_number, default=0, help=_("paid sales to create at start (default 0)")
    )
    parser.add_argument("--user-products", action="store_true", help=_("the seller is on the User Products model"))
    parser.add_argument(
        "--warehouse", action="store_true", help=_("the seller has multi-origin stock (warehouse_management)")
    )
    parser.add_argument(
        "--warehouses",
        metavar="N",
        type=whole_number,
        default=1,
        help=_("with --warehouse: how many seller warehouses (default 1)"),
    )
    parser.add_argument(
        "--erp-csv", metavar=_("FILE"), help=_("also write the matching ERP CSV to {file}", file=_("FILE"))
    )
    parser.add_argument(
        "--kits",
        metavar="N",
        type=whole_number,
        default=2,
        help=_("Mercado Livre kits (tag bundle) made of demo listings (default 2)"),
    )
    parser.add_argument(
        "--lenient",
        action="append",
        default=[],
        metavar=_("BEHAVIOUR"),
        help=_(
            "bring back a kinder reading of the docs (repeatable, or comma-separated); "
            "the sandbox is as strict as they allow by default. Choices: {choices}",
            choices=", ".join(LENIENT),
        ),
    )
    parser.add_argument(
        "--token-ttl",
        metavar=_("SECONDS"),
        type=number,
        default=None,
        help=_("seconds an access token lives (default 21600, as on Mercado Livre)"),
    )
    parser.add_argument(
        "--retry-after",
        metavar=_("SECONDS"),
        type=number,
        default=None,
        help=_("Retry-After seconds sent with rate-limit 429s (default: none, as documented)"),
    )
    parser.set_defaults(func=run)
    actions = parser.add_subparsers(dest="sandbox_action", metavar=_("ACTION"))
    sell = actions.add_parser(
        "sell",
        help=_("make a buyer buy on a running sandbox (sandbox-only control route)"),
        description=_(
            "A buyer pays on the running sandbox: the order (for a kit, one order "
            "per component) appears as on Mercado Livre and the stock goes down."
        ),
    )
    sell.add_argument("item_id", nargs="?", help=_("the listing sold (MLB...)"))
    sell.add_argument(
        "--variation", metavar="ID", type=whole_number, help=_("the variation sold (listings with variations)")
    )
    sell.add_argument(
        "--code", metavar=_("CODE"), help=_("sell the listing carrying this reference code instead of naming it")
    )
    sell.add_argument("--qty", metavar="N", type=whole_number, default=1, help=_("units sold (default 1)"))
    sell.add_argument(
        "--url", metavar="URL", help=_("the sandbox's base URL (default: api_url of the current home's config)")
    )
    sell.add_argument(
        "--before-next-write",
        action="store_true",
        help=_(
            "make the sale right before the next write reaches the sandbox (a buyer paying between "
            "melisync's read and its write)"
        ),
    )
    sell.add_argument(
        "--status",
        metavar="STATUS",
        default="paid",
        help=_(
            "the order's status (default paid; one of {choices}): confirmed or "
            "partially_paid, the buyer has not paid yet and the units are held",
            choices=", ".join(SALE_STATUSES),
        ),
    )
    sell.set_defaults(func=run_sell)
    order = actions.add_parser(
        "order",
        help=_("move an order on a running sandbox on (the buyer pays, or it is cancelled)"),
        description=_(
            "The order's status changes as on Mercado Livre; the stock follows (cancelled: the units come back)."
        ),
    )
    order.add_argument("order_id", help=_("the order (as printed by `sandbox sell`)"))
    order.add_argument(
        "--status", metavar="STATUS", help=_("the order's new status ({choices})", choices=", ".join(ORDER_STATUSES))
    )
    order.add_argument(
        "--url", metavar="URL", help=_("the sandbox's base URL (default: api_url of the current home's config)")
    )
    order.set_defaults(func=run_order)


def _check(args: argparse.Namespace) -> None:
    if not 0 <= args.port <= 65535:
        raise BadInput(N_("--port must be between 0 and 65535, got {port}"), port=args.port)
    if args.warehouses < 1:
        raise BadInput(N_("--warehouses must be at least 1"))
    for name in ("listings", "orders", "latency_ms"):
        if getattr(args, name) < 0:
            raise BadInput(N_("--{option} must not be negative"), option=name.replace("_", "-"))
    if args.rate is not None and args.rate <= 0:
        raise BadInput(N_("--rate must be a positive number of requests per second"))
    if args.kits < 0:
        raise BadInput(N_("--kits must not be negative"))
    for name in ("token_ttl", "retry_after"):
        if getattr(args, name) is not None and getattr(args, name) <= 0:
            raise BadInput(N_("--{option} must be a positive number of seconds"), option=name.replace("_", "-"))
    try:
        lenient_names(",".join(args.lenient))
    except ValueError as exc:
        raise BadInput(N_("--lenient: {exc}"), exc=exc) from None


def banner(
    base_url: str, listings: int, seed: int, lenient: Iterable[str] = (), *, kits: int = 0, erp_csv: str | None = None
) -> str:
    """What the sandbox serves and how to point melisync at it; `listings` counts the kits' own listings apart
    (`--listings 40 --kits 2` serves 40 listings and 2 kits)."""
    from sandbox import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_REDIRECT_URI, SELLER_ID, SELLER_NICKNAME

    strictness = _("lenient: {what}", what=", ".join(sorted(lenient))) if lenient else _("as strict as the docs allow")
    facts = [
        (
            _("seller"),
            _n(
                "{nickname} ({id}), {count} listing (seed {seed})",
                "{nickname} ({id}), {count} listings (seed {seed})",
                listings,
                nickname=SELLER_NICKNAME,
                id=SELLER_ID,
                seed=seed,
            ),
        ),
        *([(_("kits"), _n("{count} Mercado Livre kit", "{count} Mercado Livre kits", kits))] if kits else []),
        (_("strictness"), strictness),
        ("client id", DEMO_CLIENT_ID),
        ("client secret", DEMO_CLIENT_SECRET),
        ("redirect URI", DEMO_REDIRECT_URI),
    ]
    wide = max(len(label) for label, _value in facts) + 2
    return "\n".join(
        [
            _("Mercado Livre sandbox: {url}", url=base_url),
            *(f"  {label + ':':<{wide}}{value}" for label, value in facts),
            "",
            _("Point melisync at it (API and authorization page share the base URL):"),
            f"  melisync config set api_url {base_url}",
            f"  melisync config set auth_url {base_url}",
            f"  melisync config set client_id {DEMO_CLIENT_ID}",
            f"  melisync config set redirect_uri {DEMO_REDIRECT_URI}",
            f"  printf '%s\\n' '{DEMO_CLIENT_SECRET}' | melisync config set-secret",
            "",
            _("Make a buyer buy (watch the sale flow through `melisync sync stock --dry-run`):"),
            f"  melisync sandbox sell ITEM_ID [--variation V] [--qty N] --url {base_url}",
            f"  melisync sandbox sell --code CODE --url {base_url}",
            f"  melisync sandbox sell --code CODE --status confirmed --url {base_url}   "
            + _("(not paid yet: units held)"),
            f"  melisync sandbox order ORDER_ID --status paid|cancelled --url {base_url}",
            "",
            *([_("ERP CSV written to {file} (melisync erp import {file})", file=erp_csv)] if erp_csv else []),
            _("Ctrl+C stops it."),
        ]
    )


def run(args: argparse.Namespace) -> int:
    _check(args)
    from sandbox.catalog import generate
    from sandbox.server import SandboxServer
    from sandbox.state import SandboxState

    state = SandboxState(
        listings=args.listings,
        seed=args.seed,
        latency_ms=args.latency_ms,
        rate=args.rate,
        user_products=args.user_products,
        warehouse_management=args.warehouse,
        warehouses=args.warehouses,
        kits=args.kits,
        lenient=",".join(args.lenient),
        rate_retry_after=args.retry_after,
        **({"token_ttl": args.token_ttl} if args.token_ttl else {}),
    )
    state.demo_warehouse_cases()  # with --warehouses 2: units in the other store, Full next to own stock
    if args.orders:
        state.create_sample_orders(args.orders)
    # The catalogue lives as long as the process: keep the cyclic GC's full passes off it (with 50,000
    # listings one pass stalls an answer for most of a second).
    gc.freeze()
    if args.erp_csv:
        try:
            Path(args.erp_csv).write_text(generate(args.listings, args.seed, args.kits).erp_csv, encoding="utf-8")
        except OSError as exc:
            raise BadInput(
                N_("cannot write {erp_csv}: {strerror}"), erp_csv=args.erp_csv, strerror=os_problem(exc)
            ) from None
    server = SandboxServer(state, host=args.host, port=args.port)
    try:
        server.start()
    except OSError as exc:
        raise OperationFailed(
            N_("cannot listen on {host}:{port} ({strerror}); choose another --port (0 picks a free one)"),
            host=args.host,
            port=args.port,
            strerror=os_problem(exc),
        ) from None
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        kits = len(state.kits)
        served = len(state.listing_ids()) - kits
        print(banner(server.base_url, served, args.seed, state.lenient, kits=kits, erp_csv=args.erp_csv), flush=True)
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.stop()
    print(_("sandbox stopped"), flush=True)
    return 0


def run_sell(args: argparse.Namespace) -> int:
    """POST /_sandbox/sell on a running sandbox and print what was sold (the order ids)."""
    if bool(args.item_id) == bool(args.code):
        raise BadInput(N_("say what is sold: an ITEM_ID (with --variation for a variation) or --code CODE"))
    if args.qty < 1:
        raise BadInput(N_("--qty must be at least 1"))
    if args.code and args.variation is not None:
        raise BadInput(N_("--variation goes with an ITEM_ID; --code finds the listing or variation itself"))
    if args.status not in SALE_STATUSES:
        raise BadInput(
            N_("--status must be one of {sale_statuses}, got {status!r}"),
            sale_statuses=", ".join(SALE_STATUSES),
            status=args.status,
        )
    url = _sandbox_url(args.url)
    body = {
        "item_id": args.item_id,
        "variation_id": args.variation,
        "code": args.code,
        "quantity": args.qty,
        "status": args.status,
        "before_next_write": args.before_next_write or None,
    }
    answer = _post(url, "sell", {k: v for k, v in body.items() if v is not None})
    payload = _json(answer)
    if answer.status_code == 404 and "orders" not in payload and not payload.get("error"):
        raise OperationFailed(N_("{url} is not a melisync sandbox (no /_sandbox/sell route)"), url=url)
    if answer.status_code >= 400:
        raise BadInput(N_('the sandbox refused the sale: "{why}"'), why=payload.get("message") or answer.text[:200])
    if payload.get("pending"):
        print(_("the sale will be made right before the next write reaches the sandbox at {url}", url=url))
        return 0
    orders = payload.get("orders") or []
    if len(orders) > 1:
        print(_("kit sold: one order per component (pack {pack})", pack=orders[0].get("pack_id")))
    for order in orders:
        where = order["item_id"]
        if order.get("variation_id"):
            where += " " + _("variation {variation}", variation=order["variation_id"])
        print(
            _(
                "sold {quantity} x {where} ({title}): order {order} ({status})",
                quantity=order["quantity"],
                where=where,
                title=order["title"],
                order=order["id"],
                status=order["status"],
            )
        )
    return 0


def run_order(args: argparse.Namespace) -> int:
    """POST /_sandbox/order on a running sandbox: the order's new status, and print it."""
    if not args.order_id.isdigit():
        raise BadInput(
            N_("ORDER_ID must be the order's number (as `sandbox sell` prints it), got {order_id!r}"),
            order_id=args.order_id,
        )
    if args.status not in ORDER_STATUSES:
        raise BadInput(N_("--status must be one of {order_statuses}"), order_statuses=", ".join(ORDER_STATUSES))
    url = _sandbox_url(args.url)
    answer = _post(url, "order", {"order_id": int(args.order_id), "status": args.status})
    payload = _json(answer)
    if answer.status_code == 404 and not payload.get("error"):
        raise OperationFailed(N_("{url} is not a melisync sandbox (no /_sandbox/order route)"), url=url)
    if answer.status_code >= 400:
        raise BadInput(N_('the sandbox refused: "{why}"'), why=payload.get("message") or answer.text[:200])
    units = payload["quantity"]
    print(
        _n(
            "order {order} ({item}, {count} unit) is now {status}",
            "order {order} ({item}, {count} units) is now {status}",
            units,
            order=payload["id"],
            item=payload["item_id"],
            status=payload["status"],
        )
    )
    return 0


def _sandbox_url(given: str | None) -> str:
    """The running sandbox's base URL (--url, else the home's api_url), never Mercado Livre itself."""
    import httpx

    from services.config import load_config

    url = (given or load_config().api_url).rstrip("/")
    host = httpx.URL(url).host if url.startswith(("http://", "https://")) else ""
    if not host:
        raise BadInput(N_("--url must be the sandbox's base URL (http://127.0.0.1:PORT), got {url!r}"), url=url)
    if host.endswith(("mercadolibre.com", "mercadolivre.com.br")):
        raise BadInput(
            N_("{url} is Mercado Livre itself, not a sandbox: give the sandbox's base URL with --url"), url=url
        )
    return url


def _post(url: str, route: str, body: dict) -> httpx.Response:
    import httpx

    try:
        return httpx.post(f"{url}/_sandbox/{route}", json=body, timeout=10)
    except httpx.HTTPError as exc:
        raise OperationFailed(
            N_(
                "no sandbox answers at {url} ({name}): start one with `melisync sandbox --port N`, or give its URL with --url"
            ),
            url=url,
            name=type(exc).__name__,
        ) from None


def _json(answer: httpx.Response) -> dict:
    try:
        payload = answer.json()
    except ValueError:
        return {}
    return payload if isinstance(payload, dict) else {}
