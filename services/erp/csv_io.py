"""The ERP catalogue as CSV (docs/architecture.md §5): `code,name,price,stock,parent_code,attributes`.

Import is all-or-nothing: the whole file is checked first and every error names its line and column;
then everything is written in one batch. It reads what Brazilian spreadsheets save: `;` separators,
decimal commas (`12,50`, `1.234,56`), UTF-8 with a BOM, or Windows-1252. Stock becomes an `adjustment`
movement of the difference to the current balance, so importing the same file twice changes nothing.
Rows are only created or updated, never deleted.

Decisions: a product row that has compositions (in the file or the catalogue) leaves `stock` empty or
writes the sum of its compositions' stock (what ERP exports write); any other figure is an error naming
the line: its stock lives on each composition. A composition row's `name` and `price` are ignored (a
composition has neither). An empty `stock` leaves the stock as it is. Giving compositions to a product
that already has stock movements zeroes them (rule S8) and needs `convert=True` (`--convert`).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from services.erp.catalog import Catalog, now
from services.erp.models import Composition, MovementKind, Product, StockMovement
from services.errors import BadInput
from services.home import write_private
from services.i18n import N_, _, _n
from services.input_rules import DEFAULT_MAX_STOCK, MAX_PRICE, control_character, from_spreadsheet, spreadsheet_safe
from services.os_errors import os_problem
from services.store.storage import paused_gc

COLUMNS = ("code", "name", "price", "stock", "parent_code", "attributes")
REQUIRED = ("code", "name", "price", "stock")
MAX_ERRORS = 50  # reported in full up to here; beyond, only counted
# Headers written in Portuguese by a Brazilian spreadsheet mean the same columns.
_ALIASES = {
    "codigo": "code",
    "código": "code",
    "nome": "name",
    "preco": "price",
    "preço": "price",
    "estoque": "stock",
    "codigo_pai": "parent_code",
    "código_pai": "parent_code",
    "atributos": "attributes",
}
_SEPARATORS = (",", ";", "\t")


@dataclass(frozen=True)
class CsvRow:
    """One checked line of the file."""

    line: int
    code: str
    name: str
    price: Decimal | None  # None on composition rows
    stock: int | None  # None: leave the stock as it is
    parent_code: str  # "" for a product
    attributes: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ImportReport:
    """What an import changed (unchanged rows are not counted)."""

    rows: int = 0
    products_created: int = 0
    products_updated: int = 0
    compositions_created: int = 0
    compositions_updated: int = 0
    adjustments: int = 0  # stock movements written
    converted: tuple[str, ...] = ()  # products converted to compositions (S8)
    movements_zeroed: int = 0


class CsvError(BadInput):
    """A malformed catalogue file: `errors` holds every "line N, column C: ..." message."""

    def __init__(self, source: str, errors: list[str]):
        errors = sorted(errors, key=_line_of)
        self.errors = errors
        shown = errors[:MAX_ERRORS]
        more = len(errors) - MAX_ERRORS
        super().__init__(
            _n(
                "{source}: {count} error; nothing was imported. Fix the file and run again:",
                "{source}: {count} errors; nothing was imported. Fix the file and run again:",
                len(errors),
                source=source,
            )
            + "\n  "
            + "\n  ".join(shown)
            + ("\n  " + _n("... and {count} more", "... and {count} more", more) if more > 0 else "")
        )


def _line_of(message: str) -> tuple[int, int]:
    """Sort key of an error: its line, then its column in the file format's order ("line 5, column code: ...",
    "linha 5, coluna code: ...": the words are the language's, the number and the column name are not)."""
    found = re.match(r"\w+ (\d+)(?:, \w+ (\w+))?:", message)
    if not found:
        return (1 << 30, 0)
    column = found.group(2)
    return int(found.group(1)), COLUMNS.index(column) + 1 if column in COLUMNS else 0


# -- reading ----------------------------------------------------------------------------------------------


def decode(raw: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252 (what Excel saves in Brazil)."""
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise BadInput(
            N_('line {line}: the file is neither UTF-8 nor Windows-1252 text; save it as "CSV UTF-8" and run again'),
            line=line,
        ) from None


def _header_columns(cells: list[str]) -> list[str]:
    names = [cell.strip().lstrip("\ufeff").strip().lower() for cell in cells]
    return [_ALIASES.get(name, name) for name in names]


def _sniff(text: str) -> str:
    """The separator that makes the header line read as the most known columns."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    best, best_score = ",", -1
    for separator in _SEPARATORS:
        cells = next(csv.reader([first], delimiter=separator), [])
        score = sum(1 for column in _header_columns(cells) if column in COLUMNS)
        if score > best_score:
            best, best_score = separator, score
    return best


_PRICE = {  # whole part (plain, or grouped by thousands) and at most two decimals
    ".": re.compile(r"^(\d{1,3}(,\d{3})+|\d+)(\.\d{1,2})?$"),
    ",": re.compile(r"^(\d{1,3}(\.\d{3})+|\d+)(,\d{1,2})?$"),
}
_STOCK = {".": re.compile(r"^(\d{1,3}(,\d{3})+|\d+)$"), ",": re.compile(r"^(\d{1,3}(\.\d{3})+|\d+)$")}
_DECIMAL_COMMA = re.compile(r",\d{1,2}$")
_EXCEL_SEPARATOR = re.compile(r'^"?sep=([,;\t|])"?[ \t]*\r?\n')


def _clean_number(cell: str) -> str:
    return cell.replace("R$", "").replace("\u00a0", "").replace(" ", "").strip()


def parse_price(cell: str, decimal_mark: str) -> Decimal:
    """A price such as `12.50`, or with `decimal_mark` "," `12,50` / `1.234,56`. Raises ValueError."""
    value = _clean_number(cell)
    if value.startswith("-"):
        raise ValueError(_("{cell!r}: a price cannot be negative", cell=cell))
    if not _PRICE[decimal_mark].match(value):
        first, second = ("12.50", "1234.56") if decimal_mark == "." else ("12,50", "1.234,56")
        example = _("{first} or {second}", first=first, second=second)
        raise ValueError(
            _("{cell!r} is not a price (at most two decimals, like {example})", cell=cell, example=example)
        )
    thousands = "," if decimal_mark == "." else "."
    return Decimal(value.replace(thousands, "").replace(",", "."))


def parse_stock(cell: str, decimal_mark: str) -> int:
    """A whole number of units >= 0 (thousands may be grouped). Raises ValueError."""
    value = _clean_number(cell)
    if value.startswith("-"):
        raise ValueError(_("{cell!r}: stock cannot be negative", cell=cell))
    if not _STOCK[decimal_mark].match(value):
        raise ValueError(_("{cell!r} is not a whole number of units", cell=cell))
    return int(value.replace(",", "").replace(".", ""))


def parse_attributes(cell: str) -> tuple[tuple[str, str], ...]:
    """`Cor=Azul;Tamanho=M` -> (("Cor", "Azul"), ("Tamanho", "M")). Raises ValueError."""
    pairs = []
    for part in cell.split(";"):
        if not part.strip():
            continue
        name, sep, value = part.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise ValueError(
                _("{part!r} is not name=value (write attributes like Cor=Azul;Tamanho=M)", part=part.strip())
            )
        pairs.append((name.strip(), value.strip()))
    return tuple(pairs)


def format_attributes(attributes: Iterable[tuple[str, str]]) -> str:
    return ";".join(f"{name}={value}" for name, value in attributes)


def read_rows(text: str, max_stock: int = DEFAULT_MAX_STOCK) -> tuple[list[CsvRow], list[str]]:
    """Parse and check each line on its own: (rows, errors). Rows with errors are returned too (their bad
    values as None), so checks across rows still see their codes. A bad header raises `CsvError`."""
    errors: list[str] = []
    first_line = 1
    excel = _EXCEL_SEPARATOR.match(text)
    if excel:  # Excel's "sep=;" first line names the separator
        separator = excel.group(1)
        text = text[excel.end() :]
        first_line = 2
    else:
        separator = _sniff(text)

    def records() -> Iterator[tuple[int, list[str]]]:
        # The file is read twice (the decimal mark, then the rows), so its cells are never all held at once (issue 16:
        # ~65 MB of cells at 140k rows beside the rows made of them).
        return ((line, cells) for line, cells in _records(text, separator, first_line) if any(c.strip() for c in cells))

    first = next(records(), None)
    if first is None:
        raise CsvError(
            _("the file"),
            [_("line 1: the file is empty; the first line must be the header {header}", header=",".join(COLUMNS))],
        )
    header_line, header_cells = first
    header = _header_columns(header_cells)
    missing = [column for column in REQUIRED if column not in header]
    repeated = sorted({column for column in header if column and header.count(column) > 1})
    if missing or repeated:
        problems = [_("line {line}: missing column {column!r}", line=header_line, column=c) for c in missing]
        problems += [_("line {line}: column {column!r} appears twice", line=header_line, column=c) for c in repeated]
        found = separator if separator != "\t" else "tab"
        header_must = _(
            "the header must be {header} (separator found: {found!r})", header=",".join(COLUMNS), found=found
        )
        raise CsvError(_("the file"), [*problems, header_must])
    where = {column: header.index(column) for column in COLUMNS if column in header}
    body = records()
    next(body)  # the header
    decimal_mark = (
        "," if any(_DECIMAL_COMMA.search(_clean_number(_cell(cells, where, "price"))) for _, cells in body) else "."
    )
    body = records()
    next(body)
    rows = []
    for line, cells in body:
        if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header) :]):
            errors.append(
                _(
                    "line {line}: {values} values but the header has {columns} columns "
                    "(a separator inside a value? put the value in quotes)",
                    line=line,
                    values=len(cells),
                    columns=len(header),
                )
            )
        rows.append(_check_row(line, cells, where, decimal_mark, errors, max_stock))
    return rows, errors


def _records(text: str, separator: str, first_line: int = 1) -> Iterator[tuple[int, list[str]]]:
    """(line where the record starts, cells) for each record of the file, one at a time."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, strict=True)
    start = first_line
    try:
        for cells in reader:
            yield start, cells
            start = reader.line_num + first_line
    except csv.Error as exc:
        raise CsvError(
            _("the file"), [_("line {line}: {exc} (a quote opened here is not closed properly)", line=start, exc=exc)]
        ) from None


def _cell(cells: list[str], where: dict[str, int], column: str) -> str:
    index = where.get(column)
    return cells[index].strip() if index is not None and index < len(cells) else ""


def _check_row(
    line: int,
    cells: list[str],
    where: dict[str, int],
    decimal_mark: str,
    errors: list[str],
    max_stock: int = DEFAULT_MAX_STOCK,
) -> CsvRow:
    def problem(column: str, message: str) -> None:
        errors.append(_("line {line}, column {column}: {message}", line=line, column=column, message=message))

    texts = {column: _cell(cells, where, column) for column in ("code", "name", "parent_code", "attributes")}
    for column, text in texts.items():
        found = control_character(text)
        if found:
            problem(column, _("contains a control character ({found}); remove it", found=found))
    code = from_spreadsheet(texts["code"])
    name = from_spreadsheet(texts["name"])
    parent_code = from_spreadsheet(texts["parent_code"])
    if not code:
        problem("code", _("empty; every row needs a code"))
    if parent_code and parent_code == code:
        problem("parent_code", _("{code} cannot be its own product", code=code))
    price = stock = None
    attributes: tuple[tuple[str, str], ...] = ()
    if not parent_code:  # a product
        if not name:
            problem("name", _("empty; a product needs a name"))
        raw_price = _cell(cells, where, "price")
        if not raw_price:
            problem("price", _("empty; a product needs a price"))
        else:
            try:
                price = parse_price(raw_price, decimal_mark)
            except ValueError as exc:
                problem("price", str(exc))
            else:
                if price > MAX_PRICE:
                    problem("price", _("{price} is above {most:,}: not a real price", price=raw_price, most=MAX_PRICE))
        if texts["attributes"]:
            problem("attributes", _("only a composition (a row with parent_code) has attributes"))
    else:
        try:
            attributes = parse_attributes(from_spreadsheet(texts["attributes"]))
        except ValueError as exc:
            problem("attributes", str(exc))
    raw_stock = _cell(cells, where, "stock")
    if raw_stock:
        try:
            stock = parse_stock(raw_stock, decimal_mark)
        except ValueError as exc:
            problem("stock", str(exc))
        else:
            if stock > max_stock:
                problem(
                    "stock",
                    _(
                        "{stock} units is more than melisync accepts for one product ({most:,}); "
                        "fix the count, or allow more with `melisync config set max_stock N`",
                        stock=raw_stock,
                        most=max_stock,
                    ),
                )
    return CsvRow(line, code, name, price, stock, parent_code, attributes)


# -- checking against the catalogue and importing -------------------------------------------------------------


@dataclass
class _Plan:
    products: list[Product] = field(default_factory=list)
    compositions: list[Composition] = field(default_factory=list)
    conversions: dict[str, list[Composition]] = field(default_factory=dict)
    stock: dict[str, int] = field(default_factory=dict)


def _plan(rows: list[CsvRow], catalog: Catalog, convert: bool, errors: list[str]) -> _Plan:
    """Check the rows against each other and the catalogue; what to write, or errors."""
    known_products, known_compositions = catalog.products(), catalog.compositions()
    by_code: dict[str, CsvRow] = {}
    for row in rows:
        if not row.code:
            continue
        if row.code in by_code:
            errors.append(
                _(
                    "line {line}, column code: {code} repeats line {first}",
                    line=row.line,
                    code=row.code,
                    first=by_code[row.code].line,
                )
            )
        else:
            by_code[row.code] = row
    file_children: dict[str, list[CsvRow]] = {}
    for row in by_code.values():
        if row.parent_code:
            file_children.setdefault(row.parent_code, []).append(row)

    plan = _Plan()
    for parent_code, children in file_children.items():
        known = known_products.get(parent_code)
        if known is not None and not known.has_variations:  # S8: it gets its first compositions
            _check_conversion(parent_code, children, catalog, convert, errors)
            plan.conversions[parent_code] = []
    for row in by_code.values():
        if row.parent_code:
            _check_composition(row, by_code, catalog, errors)
            continue
        if row.code in known_compositions:
            errors.append(
                _(
                    "line {line}, column parent_code: {code} is a composition of {parent} in the catalogue; "
                    "give its parent_code",
                    line=row.line,
                    code=row.code,
                    parent=known_compositions[row.code].parent_code,
                )
            )
            continue
        known = known_products.get(row.code)
        has_children = bool(file_children.get(row.code)) or bool(known and known.has_variations)
        if has_children and row.stock is not None:
            total = _compositions_stock(row.code, file_children.get(row.code, ()), catalog)
            if row.stock != total:
                errors.append(
                    _(
                        "line {line}, column stock: product {code} has compositions, so its stock is kept per "
                        "composition; leave this cell empty or write their sum ({total}), not {stock}",
                        line=row.line,
                        code=row.code,
                        total=total,
                        stock=row.stock,
                    )
                )
                continue
        if row.price is None:
            continue  # a product row without a price: reading it reported that, and the import stops on errors
        plan.products.append(
            Product(row.code, row.name, row.price, has_variations=bool(known.has_variations if known else has_children))
        )
        if row.stock is not None and not has_children:
            plan.stock[row.code] = row.stock
    for row in by_code.values():
        if row.parent_code:
            composition = Composition(row.code, row.parent_code, row.attributes)
            target = plan.conversions.get(row.parent_code)
            (target if target is not None else plan.compositions).append(composition)
            if row.stock is not None:
                plan.stock[row.code] = row.stock
    return plan


def _compositions_stock(code: str, file_rows: Iterable[CsvRow], catalog: Catalog) -> int:
    """The stock of a product's compositions once the file is imported: the file's figure where it has
    one, else the catalogue's (what an ERP export writes on the product's own row)."""
    in_file = {row.code: row.stock for row in file_rows}
    balances = catalog.balances()
    codes = [c.code for c in catalog.compositions_of(code)] + [c for c in in_file if not catalog.knows(c)]
    return sum(stock if (stock := in_file.get(c)) is not None else balances.get(c, 0) for c in codes)


def _check_composition(row: CsvRow, by_code: dict[str, CsvRow], catalog: Catalog, errors: list[str]) -> None:
    parent_row = by_code.get(row.parent_code)
    if row.code in catalog.products():
        errors.append(
            _(
                "line {line}, column parent_code: {code} is a product in the catalogue; it cannot become a composition",
                line=row.line,
                code=row.code,
            )
        )
    known = catalog.compositions().get(row.code)
    if known is not None and known.parent_code != row.parent_code:
        errors.append(
            _(
                "line {line}, column parent_code: {code} belongs to {parent} in the catalogue; a composition "
                "cannot move to another product",
                line=row.line,
                code=row.code,
                parent=known.parent_code,
            )
        )
    if parent_row is not None:
        if parent_row.parent_code:
            errors.append(
                _(
                    "line {line}, column parent_code: {parent} (line {parent_line}) is a composition, not a product",
                    line=row.line,
                    parent=row.parent_code,
                    parent_line=parent_row.line,
                )
            )
    elif row.parent_code in catalog.compositions():
        errors.append(
            _(
                "line {line}, column parent_code: {parent} is a composition, not a product",
                line=row.line,
                parent=row.parent_code,
            )
        )
    elif row.parent_code not in catalog.products():
        errors.append(
            _(
                "line {line}, column parent_code: product {parent} is neither in the file nor in the catalogue",
                line=row.line,
                parent=row.parent_code,
            )
        )


def _check_conversion(code: str, children: list[CsvRow], catalog: Catalog, convert: bool, errors: list[str]) -> None:
    zeroed = len(catalog.movements(code))
    if zeroed and not convert:
        errors.append(
            _(
                "line {line}, column parent_code: product {code} has no variations in the catalogue and {zeroed} "
                "stock movements; giving it compositions zeroes them (rule S8). Run again with --convert to do it",
                line=children[0].line,
                code=code,
                zeroed=zeroed,
            )
        )


class _Preview(Exception):
    """Raised inside the import's transaction to drop its changes after counting them."""

    def __init__(self, report: ImportReport):
        self.report = report


def import_rows(
    rows: list[CsvRow],
    catalog: Catalog,
    *,
    errors: Iterable[str] = (),
    convert: bool = False,
    reference: str = "csv import",
    dry_run: bool = False,
) -> ImportReport:
    """Check `rows` against each other and the catalogue, then write them in one batch; or raise `CsvError`
    with these and the earlier `errors` (from `read_rows`) and write nothing. `dry_run`: count, write nothing."""
    try:
        with catalog.transaction():
            report = _apply(rows, catalog, list(errors), convert, reference)
            if dry_run:
                raise _Preview(report)
    except _Preview as preview:
        return preview.report
    return report


def _apply(rows: list[CsvRow], catalog: Catalog, errors: list[str], convert: bool, reference: str) -> ImportReport:
    """Check and write inside the open transaction; the counts of what changed."""
    plan = _plan(rows, catalog, convert, errors)
    if errors:
        raise CsvError("the file", errors)
    products = catalog.add_products(plan.products)
    zeroed = 0
    converted_compositions = 0
    for code, converted in plan.conversions.items():
        conversion = catalog.convert_to_compositions(
            code, converted, preview=False, reference=f"{reference}: converted to compositions"
        )
        zeroed += conversion.movements_zeroed
        converted_compositions += len(converted)
    compositions = catalog.add_compositions(plan.compositions)
    balances = catalog.balances()
    time = now()
    adjustments = [
        StockMovement(code, MovementKind.ADJUSTMENT, quantity - balances.get(code, 0), time, reference)
        for code, quantity in plan.stock.items()
        if quantity != balances.get(code, 0)
    ]
    first_counts = [code for code, quantity in plan.stock.items() if quantity == 0 and code not in balances]
    # A stock cell is a count taken now even where it equals the balance: sales closed before this moment
    # are in it, sales closed after it are taken off (docs/internals.md, "The count is the truth").
    confirmed = {code: time for code, quantity in plan.stock.items() if quantity == balances.get(code, 0)}
    catalog.record_movements(adjustments, new_records=first_counts, counted=confirmed)
    return ImportReport(
        rows=len(rows),
        products_created=products.created,
        products_updated=products.updated,
        compositions_created=compositions.created + converted_compositions,
        compositions_updated=compositions.updated,
        adjustments=len(adjustments),
        converted=tuple(plan.conversions),
        movements_zeroed=zeroed,
    )


def read_file(path: Path, max_stock: int | None) -> tuple[bytes, int]:
    """The file's bytes and the stock bound in force (`max_stock`, else the setting of that name)."""
    if max_stock is None:
        from services.config import load_config

        max_stock = load_config().max_stock
    try:
        return Path(path).read_bytes(), max_stock
    except OSError as exc:
        raise BadInput(N_("cannot read {path}: {why}"), path=path, why=os_problem(exc)) from None


def import_csv(
    path: Path,
    catalog: Catalog | None = None,
    *,
    convert: bool = False,
    dry_run: bool = False,
    max_stock: int | None = None,
) -> ImportReport:
    """Import the catalogue file at `path` (all-or-nothing). Errors raise `BadInput` naming path and lines.
    `max_stock` defaults to the setting of that name."""
    path = Path(path)
    raw, max_stock = read_file(path, max_stock)
    try:
        with paused_gc():
            rows, errors = read_rows(decode(raw), max_stock)
            return import_rows(
                rows,
                catalog or Catalog(),
                errors=errors,
                convert=convert,
                dry_run=dry_run,
                reference=f"csv import {path.name}",
            )
    except CsvError as exc:
        raise CsvError(str(path), exc.errors) from None
    except BadInput as exc:
        raise BadInput(N_("{path}: {exc}"), path=path, exc=exc) from None


# -- export ---------------------------------------------------------------------------------------------------


def render_csv(catalog: Catalog) -> str:
    """The catalogue in the import format (UTF-8, comma, dot decimals): each product, then its compositions."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    balances = catalog.balances()
    by_parent = catalog.compositions_by_parent()

    def stock(code: str) -> str:
        return str(balances[code]) if code in balances else ""

    for product in catalog.products().values():
        # Text cells go through spreadsheet_safe: a name like =HYPERLINK(...) must stay text when opened.
        writer.writerow(
            [
                spreadsheet_safe(product.code),
                spreadsheet_safe(product.name),
                str(product.price),
                "" if product.has_variations else stock(product.code),
                "",
                "",
            ]
        )
        for composition in by_parent.get(product.code, ()):
            writer.writerow(
                [
                    spreadsheet_safe(composition.code),
                    "",
                    "",
                    stock(composition.code),
                    spreadsheet_safe(product.code),
                    spreadsheet_safe(format_attributes(composition.attributes)),
                ]
            )
    return out.getvalue()


def export_csv(path: Path, catalog: Catalog | None = None) -> int:
    """Write the catalogue to `path` atomically; returns the number of rows (products + compositions)."""
    catalog = catalog or Catalog()
    text = render_csv(catalog)
    try:
        write_private(Path(path), text.encode("utf-8"))
    except OSError as exc:
        raise BadInput(N_("cannot write {path}: {why}"), path=path, why=os_problem(exc)) from None
    return len(catalog.products()) + len(catalog.compositions())
