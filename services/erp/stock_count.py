"""`melisync erp import --stock-only FILE`: the stocks of an ERP export as a count taken at one moment
(the file's time by default), for sellers whose ERP drops a stock file every few minutes (issue 15).

A count is the truth at the moment it was taken: a sale booked after that moment is not in it, so it is
taken off again (the balance becomes count - sales booked since); a sale before it is already in it.
Codes the file does not list are left alone; a code counted again after that moment keeps the newer count;
nothing is created (products come from a catalogue import). All-or-nothing, like the catalogue import.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from services.erp.catalog import Catalog
from services.erp.csv_io import CsvError, decode, read_file, read_rows
from services.erp.models import MovementKind, StockMovement
from services.i18n import _
from services.store.storage import paused_gc


@dataclass(frozen=True)
class CountReport:
    rows: int = 0  # rows with a stock
    adjusted: int = 0  # codes whose balance moved
    sales_after: int = 0  # units sold after the count, taken off again
    newer: tuple[str, ...] = ()  # codes counted again after this count: left as they are


def import_stock_count(
    path: Path,
    counted_at: datetime,
    catalog: Catalog | None = None,
    *,
    dry_run: bool = False,
    max_stock: int | None = None,
) -> CountReport:
    path = Path(path)
    raw, max_stock = read_file(path, max_stock)
    catalog = catalog or Catalog()
    try:
        with paused_gc():
            rows, errors = read_rows(decode(raw), max_stock)
    except CsvError as exc:
        raise CsvError(str(path), exc.errors) from None
    counts: dict[str, int] = {}
    products, compositions = catalog.products(), catalog.compositions()
    for row in rows:
        if row.stock is None:
            continue
        product = products.get(row.code)
        if product is not None and product.has_variations:
            continue  # a product with compositions carries their sum: each composition's row counts
        if product is None and row.code not in compositions:
            errors.append(
                _(
                    "line {line}: no product or composition {code} in the ERP catalogue "
                    "(a stock-only import creates nothing: import the catalogue first)",
                    line=row.line,
                    code=row.code,
                )
            )
            continue
        counts[row.code] = row.stock
    if errors:
        raise CsvError(str(path), errors)
    with catalog.transaction():
        return _apply(catalog, counts, counted_at, f"stock count {path.name} ({counted_at.isoformat()})", dry_run)


def _apply(catalog: Catalog, counts: dict[str, int], at: datetime, reference: str, dry_run: bool) -> CountReport:
    counted = catalog.counted_at()
    newer = sorted(code for code in counts if code in counted and counted[code] > at)
    after: dict[str, int] = {}
    for movement in catalog.movements():
        # sales closed after the count (-) and cancellations after it (+); sale_counted ones move nothing
        if movement.code in counts and movement.kind == MovementKind.SALE and movement.time > at:
            after[movement.code] = after.get(movement.code, 0) + movement.quantity
    balances = catalog.balances()
    adjustments, same = [], {}
    for code, stock in counts.items():
        if code in newer:
            continue
        target = stock + after.get(code, 0)
        if target != balances.get(code):
            adjustments.append(
                StockMovement(code, MovementKind.ADJUSTMENT, target - balances.get(code, 0), at, reference)
            )
        else:
            same[code] = at  # no movement, but counted then: later sales are judged against this time
    if not dry_run:
        first = [code for code in counts if code not in balances and code not in newer]
        catalog.record_movements(adjustments, new_records=first, counted=same)
    return CountReport(
        rows=len(counts),
        adjusted=len(adjustments),
        sales_after=-sum(v for c, v in after.items() if c not in newer),
        newer=tuple(newer),
    )
