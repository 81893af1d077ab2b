"""What the sync put into the ERP, taken out: customers and stock movements as rows, and as CSV files a
seller's real ERP (or a pt_BR spreadsheet) reads.

CSV choices (docs/internals.md, "ERP exports"): UTF-8 with a BOM (Excel only takes a file as UTF-8 when it
starts with one; without it, "Gonçalves" comes out garbled), `;` between cells (a pt_BR spreadsheet's list
separator, because `,` is its decimal mark: a `,` file opens as one column), CRLF line ends (RFC 4180). No cell
holds a decimal (quantities are whole units), so the decimal mark never matters. Times are UTC as
`2026-11-30 14:05:09`, which spreadsheets read as a date and time. CPF/CNPJ and CEP are written with their
punctuation: text to a spreadsheet, so leading zeros stay. A text cell that a spreadsheet would run as a
formula (starting with = + - @, a tab, a line break, or their full-width forms) gets a leading `'` (OWASP's
advice; `services.input_rules.spreadsheet_safe`, as the catalogue export); numbers are written as numbers.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from services.address import ERP_ADDRESS_FIELDS
from services.erp.catalog import Catalog
from services.erp.models import Customer, MovementKind, StockMovement
from services.errors import BadInput
from services.home import write_private
from services.i18n import N_
from services.input_rules import spreadsheet_safe

CUSTOMER_COLUMNS = (
    "buyer_id",
    "name",
    "doc_type",
    "doc_number",
    "street",
    "number",
    "complement",
    "neighborhood",
    "city",
    "state",
    "zip_code",
)
MOVEMENT_COLUMNS = (
    "time",
    "code",
    "kind",
    "quantity",
    "balance_after",
    "source",
    "order_id",
    "item_id",
    "variation_id",
    "run_id",
    "reference",
)
SEPARATOR = ";"

# Where a movement came from (the `source` column): a Mercado Livre order, a sync run (a listing's stock
# imported as a product's), the ERP's own import or count, the S8 conversion.
SOURCE_ORDER, SOURCE_RUN, SOURCE_IMPORT, SOURCE_CONVERSION = "order", "run", "import", "conversion"


def customer_rows(catalog: Catalog) -> list[dict[str, Any]]:
    """Every customer, by buyer id."""
    return [customer_row(c) for _, c in sorted(catalog.customers().items())]


def customer_row(customer: Customer) -> dict[str, Any]:
    address = {name: getattr(customer.address, name) for name in ERP_ADDRESS_FIELDS}
    return {name: address[name] if name in address else getattr(customer, name) for name in CUSTOMER_COLUMNS}


def movement_rows(catalog: Catalog, code: str | None = None) -> list[dict[str, Any]]:
    """The ledger in recording order with each code's balance after the movement; `code` keeps one code's
    lines (a product with compositions: its compositions' lines). An unknown code is bad input."""
    codes = None
    if code is not None:
        if not catalog.knows(code):
            raise BadInput(N_("no product or composition {code} in the ERP catalogue"), code=code)
        codes = {code, *(c.code for c in catalog.compositions_of(code))}
    running: dict[str, int] = {}
    rows = []
    for movement in catalog.movements():
        running[movement.code] = running.get(movement.code, 0) + movement.quantity
        if codes is None or movement.code in codes:
            rows.append(movement_row(movement, running[movement.code]))
    return rows


def movement_row(movement: StockMovement, balance_after: int) -> dict[str, Any]:
    return {
        "time": movement.time.astimezone(UTC).isoformat(),
        "code": movement.code,
        "kind": str(movement.kind),
        "quantity": movement.quantity,
        "balance_after": balance_after,
        "source": source(movement),
        "order_id": movement.order_id or _order_of(movement),
        "item_id": movement.item_id,
        "variation_id": movement.variation_id,
        "run_id": movement.run_id,
        "reference": movement.reference,
    }


def source(movement: StockMovement) -> str:
    if movement.kind == MovementKind.RESET:
        return SOURCE_CONVERSION
    if movement.order_id is not None or movement.reference.startswith("order:"):
        return SOURCE_ORDER
    if movement.kind == MovementKind.IMPORT or movement.run_id is not None:
        return SOURCE_RUN
    return SOURCE_IMPORT


def _order_of(movement: StockMovement) -> int | None:
    """Sales recorded before movements carried their order id say it in their reference."""
    if movement.reference.startswith("order:"):
        digits = movement.reference[len("order:") :]
        return int(digits) if digits.isdigit() else None
    return None


# -- CSV ------------------------------------------------------------------------------------------------------


def neutralized(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula, made plain text (the one rule for every export:
    `services.input_rules.spreadsheet_safe`); numbers and empty cells as they are."""
    return spreadsheet_safe(value) if isinstance(value, str) else value


def _doc(doc_type: str | None, number: str | None) -> str | None:
    """CPF 123.456.789-09, CNPJ 11.222.333/0001-81 (other documents as they are)."""
    digits = "".join(ch for ch in number or "" if ch.isdigit())
    if doc_type == "CPF" and len(digits) == 11:
        return f"{digits[:3]}.{digits[3:6]}.{digits[6:9]}-{digits[9:]}"
    if doc_type == "CNPJ" and len(digits) == 14:
        return f"{digits[:2]}.{digits[2:5]}.{digits[5:8]}/{digits[8:12]}-{digits[12:]}"
    return number


def _zip(code: str | None) -> str | None:
    digits = "".join(ch for ch in code or "" if ch.isdigit())
    return f"{digits[:5]}-{digits[5:]}" if len(digits) == 8 else code


def _spreadsheet_customer(row: Mapping[str, Any]) -> dict[str, Any]:
    return {**row, "doc_number": _doc(row["doc_type"], row["doc_number"]), "zip_code": _zip(row["zip_code"])}


def spreadsheet_time(iso: str) -> str:
    """`2026-11-30 14:05:09` in UTC: what spreadsheets read as a date and time."""
    return datetime.fromisoformat(iso).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _spreadsheet_movement(row: Mapping[str, Any]) -> dict[str, Any]:
    return {**row, "time": spreadsheet_time(row["time"])}


def render_csv(columns: Iterable[str], rows: Iterable[Mapping[str, Any]]) -> str:
    """The rows as CSV text for a pt_BR spreadsheet (see the module docstring), BOM included."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=SEPARATOR, lineterminator="\r\n")
    columns = list(columns)
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else neutralized(row[c]) for c in columns])
    return codecs.BOM_UTF8.decode("utf-8") + out.getvalue()


def customers_csv(catalog: Catalog) -> str:
    return render_csv(CUSTOMER_COLUMNS, (_spreadsheet_customer(r) for r in customer_rows(catalog)))


def movements_csv(catalog: Catalog, code: str | None = None) -> str:
    return render_csv(MOVEMENT_COLUMNS, (_spreadsheet_movement(r) for r in movement_rows(catalog, code)))


def write_csv(path: Path, text: str) -> None:
    """Atomically, 0600 (the file holds buyers' personal data)."""
    try:
        write_private(Path(path), text.encode("utf-8"))
    except OSError as exc:
        raise BadInput(N_("cannot write {path}: {why}"), path=path, why=exc.strerror or exc) from None
