"""The ERP side of a sync: the catalogue as linking sees it, and applying the plan's ERP actions
(imported products and compositions, sale movements, customers) in one atomic write.
"""

from __future__ import annotations

from datetime import UTC, datetime

from services.erp.catalog import Catalog
from services.erp.models import MovementKind, StockMovement
from services.linking import CatalogueView
from services.reasons import Code, Reason
from services.sync.plan import Action, ActionKind, ActionStatus
from services.sync.products import composition_of, product_of

ERP_KINDS = frozenset(
    {
        ActionKind.IMPORT_PRODUCT,
        ActionKind.IMPORT_COMPOSITION,
        ActionKind.SALE,
        ActionKind.SALE_COUNTED,
        ActionKind.SALE_CANCEL,
        ActionKind.CUSTOMER,
    }
)
_MOVEMENT_KIND = {
    ActionKind.IMPORT_PRODUCT: MovementKind.IMPORT,
    ActionKind.IMPORT_COMPOSITION: MovementKind.IMPORT,
    ActionKind.SALE: MovementKind.SALE,
    ActionKind.SALE_COUNTED: MovementKind.SALE_COUNTED,
    ActionKind.SALE_CANCEL: MovementKind.SALE,
}


def catalogue_view(catalog: Catalog) -> CatalogueView:
    """The catalogue as linking sees it: the ERP's own read-only mappings, not copies."""
    return CatalogueView.shared(
        catalog.products(), catalog.compositions(), catalog.balances(), catalog.compositions_by_parent()
    )


def apply_erp_actions(catalog: Catalog, actions: list[Action], run_id: int | None = None) -> list[Action]:
    """Apply planned ERP actions in one transaction; results in the same order.

    Idempotent: a product or composition already there is not created again, a movement whose key is
    in the ledger is not recorded again (reported as skipped), so a re-run after a crash is safe.
    """
    results: dict[int, Action] = {}
    with catalog.transaction():
        products = [(i, a) for i, a in enumerate(actions) if a.kind == ActionKind.IMPORT_PRODUCT]
        compositions = [(i, a) for i, a in enumerate(actions) if a.kind == ActionKind.IMPORT_COMPOSITION]
        there = {a.code for _, a in products + compositions if catalog.knows(a.code)}
        catalog.add_products(product_of(a) for _, a in products if a.erp_code not in there)
        catalog.add_compositions([composition_of(a) for _, a in compositions if a.erp_code not in there])
        for i, action in products + compositions:
            results[i] = action.skipped(Reason(Code.ALREADY_IN_ERP)) if action.erp_code in there else action.done()
        movements: list[tuple[int, StockMovement]] = []
        for i, action in enumerate(actions):
            if action.data.get("quantity") is None or action.kind not in _MOVEMENT_KIND:
                continue
            if action.erp_code in there:  # an import of a code that was already there: not its stock either
                continue
            problem = _stock_problem(catalog, action.erp_code)
            if problem:
                results[i] = action.failed(problem)
                continue
            movements.append((i, _movement(action, run_id)))
        recorded = catalog.record_movements(m for _, m in movements)
        duplicate_keys = {m.key for m in recorded.duplicates}
        for i, movement in movements:
            if movement.key in duplicate_keys:
                results[i] = actions[i].skipped(Reason(Code.ALREADY_IN_LEDGER))
            else:
                results[i] = actions[i].done()
        customers = [(i, a) for i, a in enumerate(actions) if a.kind == ActionKind.CUSTOMER]
        catalog.upsert_customers(a.data["customer"] for _, a in customers)
        for i, action in customers:
            results[i] = action.done()
    return [results.get(i, a) for i, a in enumerate(actions)]


def _stock_problem(catalog: Catalog, code: str | None) -> Reason | None:
    product = catalog.products().get(code) if code else None
    if code is None or (product is None and code not in catalog.compositions()):
        return Reason(Code.MOVEMENT_UNKNOWN_CODE, code=str(code))
    if product is not None and product.has_variations:
        return Reason(Code.MOVEMENT_ON_PARENT, code=code)
    return None


def _movement(action: Action, run_id: int | None) -> StockMovement:
    """The ledger line of a planned action. Its time is when the stock changed: the order's close (a sale
    belongs after the count it follows), the listings' read (an import is a count taken then)."""
    when = action.data.get("time")
    time = datetime.fromisoformat(when) if when else datetime.now(UTC)
    order_id = action.data.get("order_id")
    reference = f"order:{order_id}" if order_id is not None else f"listing:{action.item_id}"
    return StockMovement(
        code=action.code,
        kind=_MOVEMENT_KIND[action.kind],
        quantity=int(action.data["quantity"]),
        time=time,
        reference=reference,
        key=action.key,
        order_id=order_id,
        item_id=action.item_id,
        variation_id=action.variation_id,
        run_id=run_id,
    )


def planned(actions: list[Action], kinds: frozenset[ActionKind]) -> list[Action]:
    return [a for a in actions if a.kind in kinds and a.status == ActionStatus.PLANNED]
