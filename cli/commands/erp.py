"""`melisync erp import FILE` / `melisync erp export FILE`: the ERP catalogue to and from CSV.
`melisync erp customers [--json]` / `erp customers export FILE` and `melisync erp movements [--code C] [--json]` /
`erp movements export FILE`: what the sync put into the ERP (buyers, the stock ledger), as text, JSON or CSV."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from services.config import load_config
from services.erp import reports
from services.erp.catalog import Catalog
from services.erp.csv_io import COLUMNS, export_csv, import_csv
from services.erp.stock_count import import_stock_count
from services.errors import BadInput

if TYPE_CHECKING:
    from cli.commands import Subcommands


def register(sub: Subcommands) -> None:
    parser = sub.add_parser("erp", help="import or export the ERP catalogue (CSV)")
    actions = parser.add_subparsers(dest="erp_action", metavar="ACTION", required=True)
    importing = actions.add_parser(
        "import",
        help="load or update the catalogue from a CSV (all-or-nothing)",
        description=f"Columns: {','.join(COLUMNS)}. Separator , or ; and decimal . or , are both read. "
        "Stock becomes an adjustment movement of the difference; nothing is deleted.",
    )
    importing.add_argument("file", type=Path, metavar="FILE.csv")
    importing.add_argument(
        "--convert",
        action="store_true",
        help="allow giving compositions to a product that has stock movements; its movements are zeroed (rule S8)",
    )
    importing.add_argument(
        "--dry-run", action="store_true", help="check the file and print what would change, without writing"
    )
    importing.add_argument(
        "--stock-only",
        action="store_true",
        help="only the stocks, as a count taken at the file's time (or --counted-at): codes "
        "not listed are left alone, sales booked after that time are taken off again",
    )
    importing.add_argument(
        "--counted-at",
        metavar="TIME",
        help="with --stock-only: when the count was taken (ISO 8601, e.g. 2026-11-30T14:00-03:00)",
    )
    importing.set_defaults(func=run_import)
    exporting = actions.add_parser("export", help="write the catalogue to a CSV (same format as import)")
    exporting.add_argument("file", type=Path, metavar="FILE.csv")
    exporting.set_defaults(func=run_export)

    customers = actions.add_parser("customers", help="the buyers the sync recorded (text, --json, or export FILE)")
    customers.add_argument("--json", action="store_true", help="one JSON document on stdout")
    customers.set_defaults(func=run_customers)
    customers_export = customers.add_subparsers(dest="customers_action", metavar="export").add_parser(
        "export", help="write them to a CSV a pt_BR spreadsheet opens (UTF-8 with BOM, ; separator)"
    )
    customers_export.add_argument("file", type=Path, metavar="FILE.csv")
    customers_export.set_defaults(func=run_customers_export)

    movements = actions.add_parser(
        "movements", help="the stock ledger: kind, quantity, balance after, source (text, --json, or export FILE)"
    )
    movements.add_argument("--code", metavar="C", help="one product or composition (a product: its compositions)")
    movements.add_argument("--json", action="store_true", help="one JSON document on stdout")
    movements.set_defaults(func=run_movements)
    movements_export = movements.add_subparsers(dest="movements_action", metavar="export").add_parser(
        "export", help="write them to a CSV a pt_BR spreadsheet opens (UTF-8 with BOM, ; separator)"
    )
    movements_export.add_argument("file", type=Path, metavar="FILE.csv")
    # SUPPRESS: `erp movements --code C export FILE` keeps the C given before `export`.
    movements_export.add_argument("--code", metavar="C", default=argparse.SUPPRESS, help="one product or composition")
    movements_export.set_defaults(func=run_movements_export)


def run_import(args: argparse.Namespace) -> int:
    if args.counted_at and not args.stock_only:
        raise BadInput("--counted-at goes with --stock-only")
    if args.stock_only:
        return _run_stock_count(args)
    report = import_csv(args.file, convert=args.convert, dry_run=args.dry_run)
    rows = "1 row" if report.rows == 1 else f"{report.rows} rows"
    print(f"{args.file}: {rows} read" + (" (dry run: nothing was written)" if args.dry_run else ""))
    print(f"products: {report.products_created} created, {report.products_updated} updated")
    print(f"compositions: {report.compositions_created} created, {report.compositions_updated} updated")
    print(f"stock adjustments: {report.adjustments}")
    for code in report.converted:
        print(f"converted to compositions (rule S8): {code}")
    if report.converted:
        print(f"stock movements zeroed: {report.movements_zeroed}")
    return 0


def _run_stock_count(args: argparse.Namespace) -> int:
    if args.convert:
        raise BadInput("--convert changes the catalogue; --stock-only imports only stocks")
    counted_at = _counted_at(args)
    report = import_stock_count(args.file, counted_at, dry_run=args.dry_run)
    stocks = "1 stock" if report.rows == 1 else f"{report.rows} stocks"
    print(
        f"{args.file}: {stocks} counted at {counted_at.isoformat(timespec='seconds')}"
        + (" (dry run: nothing was written)" if args.dry_run else "")
    )
    print(f"stock adjustments: {report.adjusted} (units sold after the count taken off again: {report.sales_after})")
    if report.newer:
        print(f"counted again after this count, left as they are: {', '.join(report.newer)}")
    return 0


def _counted_at(args: argparse.Namespace) -> datetime:
    if args.counted_at:
        try:
            moment = datetime.fromisoformat(args.counted_at)
        except ValueError:
            raise BadInput(
                f"--counted-at {args.counted_at!r} is not a time: write it as 2026-11-30T14:00-03:00"
            ) from None
        if moment.tzinfo is None:
            moment = moment.astimezone()  # the machine's zone, as the operator reads a clock
        return moment.astimezone(UTC)
    try:
        return datetime.fromtimestamp(args.file.stat().st_mtime, UTC)
    except OSError as exc:
        raise BadInput(f"cannot read {args.file}: {exc.strerror or exc}") from None


def run_export(args: argparse.Namespace) -> int:
    rows = export_csv(args.file)
    print(f"{args.file}: {rows} rows written (products and compositions)")
    return 0


def _catalog() -> Catalog:
    return Catalog(home=load_config().home)


def run_customers(args: argparse.Namespace) -> int:
    rows = reports.customer_rows(_catalog())
    if args.json:
        print(json.dumps({"customers": rows}, indent=2, ensure_ascii=False))
    elif not rows:
        print("No customers yet: `melisync sync customers` records the buyers of your orders.")
    else:
        for row in rows:
            document = f"{row['doc_type']} {row['doc_number']}" if row["doc_number"] else "no document yet"
            place = ", ".join(
                filter(
                    None,
                    (row["street"], row["number"], row["neighborhood"], row["city"], row["state"], row["zip_code"]),
                )
            )
            print(f"{row['buyer_id']:>12}  {row['name'] or '-':<30} {document:<22} {place}")
    return 0


def run_customers_export(args: argparse.Namespace) -> int:
    catalog = _catalog()
    reports.write_csv(args.file, reports.customers_csv(catalog))
    print(f"{args.file}: {_count(len(catalog.customers()), 'customer')} written")
    return 0


def run_movements(args: argparse.Namespace) -> int:
    rows = reports.movement_rows(_catalog(), args.code)
    if args.json:
        print(json.dumps({"movements": rows}, indent=2, ensure_ascii=False))
    elif not rows:
        print("No stock movements" + (f" for {args.code}." if args.code else " yet."))
    else:
        print(f"{'time (UTC)':<19}  {'code':<22} {'kind':<12} {'qty':>5} {'balance':>7}  source")
        for row in rows:
            print(
                f"{_when(row['time'])}  {row['code']:<22} {row['kind']:<12} {row['quantity']:>5} "
                f"{row['balance_after']:>7}  {_source(row)}"
            )
    return 0


def run_movements_export(args: argparse.Namespace) -> int:
    catalog = _catalog()
    text = reports.movements_csv(catalog, args.code)
    reports.write_csv(args.file, text)
    print(f"{args.file}: {_count(len(reports.movement_rows(catalog, args.code)), 'movement')} written")
    return 0


def _when(iso: str) -> str:
    return reports.spreadsheet_time(iso)


def _source(row: dict) -> str:
    """Where a movement came from, in a few words: the order (and its listing), the run, the import."""
    if row["source"] == reports.SOURCE_ORDER:
        where = (
            f" {row['item_id']}" + (f" var {row['variation_id']}" if row["variation_id"] else "")
            if row["item_id"]
            else ""
        )
        run = f" (run {row['run_id']})" if row["run_id"] else ""
        return f"order {row['order_id']}{where}{run}"
    if row["source"] == reports.SOURCE_RUN:
        return f"run {row['run_id']}: {row['reference']}" if row["run_id"] else row["reference"]
    return row["reference"]


def _count(n: int, noun: str) -> str:
    """'1 customer', '2 customers': the CLI's counts say their number right (no "1 customers")."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
