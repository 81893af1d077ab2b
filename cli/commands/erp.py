"""`melisync erp import FILE` / `melisync erp export FILE`: the ERP catalogue to and from CSV.
`melisync erp customers [--json]` / `erp customers export FILE` and `melisync erp movements [--code C] [--json]` /
`erp movements export FILE`: what the sync put into the ERP (buyers, the stock ledger), as text, JSON or CSV."""

from __future__ import annotations

import argparse
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from cli.words import MOVEMENT_KINDS
from services.config import load_config
from services.erp import reports
from services.erp.catalog import Catalog
from services.erp.csv_io import COLUMNS, export_csv, import_csv
from services.erp.stock_count import import_stock_count
from services.errors import BadInput
from services.i18n import N_, _, _n, local_time
from services.os_errors import os_problem

if TYPE_CHECKING:
    from cli.commands import Subcommands


def register(sub: Subcommands) -> None:
    parser = sub.add_parser("erp", help=_("import or export the ERP catalogue (CSV)"))
    actions = parser.add_subparsers(dest="erp_action", metavar=_("ACTION"), required=True)
    file_csv = _("FILE") + ".csv"
    importing = actions.add_parser(
        "import",
        help=_("load or update the catalogue from a CSV (all-or-nothing)"),
        description=_(
            "Columns: {columns}. Separator , or ; and decimal . or , are both read. "
            "Stock becomes an adjustment movement of the difference; nothing is deleted.",
            columns=",".join(COLUMNS),
        ),
    )
    importing.add_argument("file", type=Path, metavar=file_csv)
    importing.add_argument(
        "--convert",
        action="store_true",
        help=_("allow giving compositions to a product that has stock movements; its movements are zeroed"),
    )
    importing.add_argument(
        "--dry-run", action="store_true", help=_("check the file and print what would change, without writing")
    )
    importing.add_argument(
        "--stock-only",
        action="store_true",
        help=_(
            "only the stocks, as a count taken at the file's time (or --counted-at): codes "
            "not listed are left alone, sales booked after that time are taken off again"
        ),
    )
    importing.add_argument(
        "--counted-at",
        metavar=_("TIME"),
        help=_("with --stock-only: when the count was taken (ISO 8601, e.g. 2026-11-30T14:00-03:00)"),
    )
    importing.set_defaults(func=run_import)
    exporting = actions.add_parser("export", help=_("write the catalogue to a CSV (same format as import)"))
    exporting.add_argument("file", type=Path, metavar=file_csv)
    exporting.set_defaults(func=run_export)

    customers = actions.add_parser("customers", help=_("the buyers the sync recorded (text, --json, or export FILE)"))
    customers.add_argument("--json", action="store_true", help=_("one JSON document on stdout"))
    customers.set_defaults(func=run_customers)
    customers_export = customers.add_subparsers(dest="customers_action", metavar="export").add_parser(
        "export", help=_("write them to a CSV a pt_BR spreadsheet opens (UTF-8 with BOM, ; separator)")
    )
    customers_export.add_argument("file", type=Path, metavar=file_csv)
    customers_export.set_defaults(func=run_customers_export)

    movements = actions.add_parser(
        "movements",
        help=_("the stock ledger: kind, quantity, balance after, source (text, --json, or export FILE)"),
    )
    movements.add_argument("--code", metavar="C", help=_("one product or composition (a product: its compositions)"))
    movements.add_argument("--json", action="store_true", help=_("one JSON document on stdout"))
    movements.set_defaults(func=run_movements)
    movements_export = movements.add_subparsers(dest="movements_action", metavar="export").add_parser(
        "export", help=_("write them to a CSV a pt_BR spreadsheet opens (UTF-8 with BOM, ; separator)")
    )
    movements_export.add_argument("file", type=Path, metavar=file_csv)
    # SUPPRESS: `erp movements --code C export FILE` keeps the C given before `export`.
    movements_export.add_argument(
        "--code", metavar="C", default=argparse.SUPPRESS, help=_("one product or composition")
    )
    movements_export.set_defaults(func=run_movements_export)


def run_import(args: argparse.Namespace) -> int:
    if args.counted_at and not args.stock_only:
        raise BadInput(N_("--counted-at goes with --stock-only"))
    if args.stock_only:
        return _run_stock_count(args)
    report = import_csv(args.file, convert=args.convert, dry_run=args.dry_run)
    dry = " " + _("(dry run: nothing was written)") if args.dry_run else ""
    print(_n("{file}: {count} row read", "{file}: {count} rows read", report.rows, file=args.file) + dry)
    print(
        _(
            "products: {created} created, {updated} updated",
            created=report.products_created,
            updated=report.products_updated,
        )
    )
    print(
        _(
            "compositions: {created} created, {updated} updated",
            created=report.compositions_created,
            updated=report.compositions_updated,
        )
    )
    print(_("stock adjustments: {count}", count=report.adjustments))
    for code in report.converted:
        print(_("converted to compositions (rule S8): {code}", code=code))
    if report.converted:
        print(_("stock movements zeroed: {count}", count=report.movements_zeroed))
    return 0


def _run_stock_count(args: argparse.Namespace) -> int:
    if args.convert:
        raise BadInput(N_("--convert changes the catalogue; --stock-only imports only stocks"))
    counted_at = _counted_at(args)
    report = import_stock_count(args.file, counted_at, dry_run=args.dry_run)
    print(
        _n(
            "{file}: {count} stock counted at {when}",
            "{file}: {count} stocks counted at {when}",
            report.rows,
            file=args.file,
            when=local_time(counted_at),
        )
        + (" " + _("(dry run: nothing was written)") if args.dry_run else "")
    )
    print(
        _(
            "stock adjustments: {count} (units sold after the count taken off again: {sold})",
            count=report.adjusted,
            sold=report.sales_after,
        )
    )
    if report.newer:
        print(_("counted again after this count, left as they are: {codes}", codes=", ".join(report.newer)))
    return 0


def _counted_at(args: argparse.Namespace) -> datetime:
    if args.counted_at:
        try:
            moment = datetime.fromisoformat(args.counted_at)
        except ValueError:
            raise BadInput(
                N_("--counted-at {counted_at!r} is not a time: write it as 2026-11-30T14:00-03:00"),
                counted_at=args.counted_at,
            ) from None
        if moment.tzinfo is None:
            moment = moment.astimezone()  # the machine's zone, as the operator reads a clock
        return moment.astimezone(UTC)
    try:
        return datetime.fromtimestamp(args.file.stat().st_mtime, UTC)
    except OSError as exc:
        raise BadInput(N_("cannot read {file}: {why}"), file=args.file, why=os_problem(exc)) from None


def run_export(args: argparse.Namespace) -> int:
    rows = export_csv(args.file)
    print(
        _n(
            "{file}: {count} row written (products and compositions)",
            "{file}: {count} rows written (products and compositions)",
            rows,
            file=args.file,
        )
    )
    return 0


def _catalog() -> Catalog:
    return Catalog(home=load_config().home)


def run_customers(args: argparse.Namespace) -> int:
    rows = reports.customer_rows(_catalog())
    if args.json:
        print(json.dumps({"customers": rows}, indent=2, ensure_ascii=False))
    elif not rows:
        print(_("No customers yet: `melisync sync customers` records the buyers of your orders."))
    else:
        for row in rows:
            document = f"{row['doc_type']} {row['doc_number']}" if row["doc_number"] else _("no document yet")
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
    count = len(catalog.customers())
    print(_n("{file}: {count} customer written", "{file}: {count} customers written", count, file=args.file))
    return 0


def run_movements(args: argparse.Namespace) -> int:
    rows = reports.movement_rows(_catalog(), args.code)
    if args.json:
        print(json.dumps({"movements": rows}, indent=2, ensure_ascii=False))
    elif not rows:
        print(_("No stock movements for {code}.", code=args.code) if args.code else _("No stock movements yet."))
    else:
        time, code, kind, quantity, balance, source = (
            _("time"),
            _("code"),
            _("kind"),
            _("qty"),
            _("balance"),
            _("source"),
        )
        print(f"{time:<16}  {code:<22} {kind:<12} {quantity:>5} {balance:>7}  {source}")
        for row in rows:
            print(
                f"{local_time(row['time']):<16}  {row['code']:<22} {_movement_kind(row['kind']):<12} "
                f"{row['quantity']:>5} {row['balance_after']:>7}  {_source(row)}"
            )
    return 0


def run_movements_export(args: argparse.Namespace) -> int:
    catalog = _catalog()
    text = reports.movements_csv(catalog, args.code)
    reports.write_csv(args.file, text)
    count = len(reports.movement_rows(catalog, args.code))
    print(_n("{file}: {count} movement written", "{file}: {count} movements written", count, file=args.file))
    return 0


def _movement_kind(kind: str) -> str:
    """The ledger's kind of movement in the seller's words (an unknown one as it is)."""
    return _(MOVEMENT_KINDS[kind]) if kind in MOVEMENT_KINDS else kind


def _source(row: dict) -> str:
    """Where a movement came from, in a few words: the order (and its listing), the run, the import."""
    if row["source"] == reports.SOURCE_ORDER:
        where = ""
        if row["item_id"]:
            where = f" {row['item_id']}"
            if row["variation_id"]:
                where += " " + _("var {variation}", variation=row["variation_id"])
        run = " " + _("(run {run})", run=row["run_id"]) if row["run_id"] else ""
        return _("order {order}", order=row["order_id"]) + where + run
    what = _reference(row["reference"])
    if row["source"] == reports.SOURCE_RUN:
        return _("run {run}: {what}", run=row["run_id"], what=what) if row["run_id"] else what
    return what


def _reference(reference: str) -> str:
    """A movement's reference as the ledger keeps it (English, the same in every language: the CSV exports
    carry it) in the operator's words when it is one melisync writes; anything else as it is."""
    found = re.fullmatch(r"listing:(\S+)", reference)
    if found:
        return _("listing {listing}", listing=found[1])
    found = re.fullmatch(r"csv import (.+?)(: converted to compositions)?", reference)
    if found:
        if found[2]:
            return _("CSV import {file}: converted to compositions", file=found[1])
        return _("CSV import {file}", file=found[1])
    found = re.fullmatch(r"S8: converted to the variations of listing (\S+)", reference)
    if found:
        return _("converted to the variations of listing {listing}", listing=found[1])
    found = re.fullmatch(r"converted to compositions: (\d+) movements zeroed", reference)
    if found:
        count = int(found[1])
        return _n(
            "converted to compositions: {count} movement zeroed",
            "converted to compositions: {count} movements zeroed",
            count,
        )
    return reference
