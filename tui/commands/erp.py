"""`melisync erp import FILE` / `melisync erp export FILE`: the ERP catalogue to and from CSV."""

from __future__ import annotations

from pathlib import Path

from services.erp.csv_io import COLUMNS, export_csv, import_csv


def register(sub) -> None:
    parser = sub.add_parser("erp", help="import or export the ERP catalogue (CSV)")
    actions = parser.add_subparsers(dest="erp_action", metavar="ACTION", required=True)
    importing = actions.add_parser(
        "import", help="load or update the catalogue from a CSV (all-or-nothing)",
        description=f"Columns: {','.join(COLUMNS)}. Separator , or ; and decimal . or , are both read. "
                    "Stock becomes an adjustment movement of the difference; nothing is deleted.")
    importing.add_argument("file", type=Path, metavar="FILE.csv")
    importing.add_argument("--convert", action="store_true",
                           help="allow giving compositions to a product that has stock movements; "
                                "its movements are zeroed (rule S8)")
    importing.add_argument("--dry-run", action="store_true",
                           help="check the file and print what would change, without writing")
    importing.set_defaults(func=run_import)
    exporting = actions.add_parser("export", help="write the catalogue to a CSV (same format as import)")
    exporting.add_argument("file", type=Path, metavar="FILE.csv")
    exporting.set_defaults(func=run_export)


def run_import(args) -> int:
    report = import_csv(args.file, convert=args.convert, dry_run=args.dry_run)
    print(f"{args.file}: {report.rows} rows read" + (" (dry run: nothing was written)" if args.dry_run else ""))
    print(f"products: {report.products_created} created, {report.products_updated} updated")
    print(f"compositions: {report.compositions_created} created, {report.compositions_updated} updated")
    print(f"stock adjustments: {report.adjustments}")
    for code in report.converted:
        print(f"converted to compositions (rule S8): {code}")
    if report.converted:
        print(f"stock movements zeroed: {report.movements_zeroed}")
    return 0


def run_export(args) -> int:
    rows = export_csv(args.file)
    print(f"{args.file}: {rows} rows written (products and compositions)")
    return 0
