"""SVG snapshots of the linking and sync screens at 80x24 and 160x48 on fixed data: stored links,
a small ERP catalogue, journal runs with fixed times, a fixed plan, a sync half applied. Update with
`pytest tests/tui/test_sync_snapshots.py --snapshot-update` and look at them."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest

from screens.reference_code import ReferenceCodeModal
from screens.sync_logs import RunDetailScreen
from screens.sync_plan import SyncPlanScreen
from screens.sync_progress import SyncProgressScreen
from services.erp.catalog import Catalog
from services.erp.models import Composition, MovementKind, Product, StockMovement
from services.linking import Link, LinkState
from services.reasons import Code, Reason
from services.store.journal import Journal
from services.store.links import LinkRepository
from services.sync.plan import Action, ActionKind, ActionStatus, Plan, SyncKind
from tests.fixtures.tui import CONNECTED
from tests.fixtures.tui_sync import seed_links
from tests.tui.test_snapshots import run_before
from tui.sync_workers import SyncState

SMALL, WIDE = (80, 24), (160, 48)
SIZES = pytest.mark.parametrize("size", [SMALL, WIDE], ids=["80x24", "160x48"])
WHEN = datetime(2026, 11, 27, 8, 15, tzinfo=UTC)


def seed_mapping(home) -> str:
    """A listing with three variations whose ERP product has no compositions (S8), and a second one linked."""
    catalog = Catalog(home=home)
    with catalog.transaction():
        catalog.add_products(
            [
                Product("LUM-ART", "Luminária de Mesa LED Articulada", Decimal("129.90")),
                Product("CAM-BAS", "Camiseta Básica", Decimal("49.90"), has_variations=True),
            ]
        )
        catalog.add_compositions(
            [
                Composition("CAM-BAS-AZ-M", "CAM-BAS", (("Cor", "Azul"), ("Tamanho", "M"))),
                Composition("CAM-BAS-PR-G", "CAM-BAS", (("Cor", "Preto"), ("Tamanho", "G"))),
            ]
        )
        catalog.record_movements(
            [
                StockMovement("LUM-ART", MovementKind.ADJUSTMENT, 14, WHEN, "count"),
                StockMovement("CAM-BAS-AZ-M", MovementKind.ADJUSTMENT, 5, WHEN, "count"),
            ]
        )
    why = Reason(Code.ERP_HAS_NO_VARIATIONS, product="LUM-ART", count=3)
    links = [
        Link(
            "MLB4100000021",
            180000000041 + i,
            LinkState.STRUCTURE_MISMATCH,
            code,
            "LUM-ART",
            title="Luminária de Mesa LED Articulada",
            variation_label=label,
            erp_name="Luminária de Mesa LED Articulada",
            erp_stock=14,
            ml_stock=qty,
            reason=why,
        )
        for i, (code, label, qty) in enumerate(
            [
                ("LUM-ART-VER-GG", "Cor: Verde / Tamanho: GG", 6),
                ("LUM-ART-AMA-G", "Cor: Amarelo / Tamanho: G", 4),
                ("LUM-ART-CIN-G", "Cor: Cinza / Tamanho: G", 4),
            ]
        )
    ]
    links.append(
        Link(
            "MLB4100000035",
            180000000052,
            LinkState.LINKED,
            "CAM-BAS-AZ-M",
            "CAM-BAS-AZ-M",
            title="Camiseta Básica",
            variation_label="Cor: Azul / Tamanho: M",
            erp_name="Camiseta Básica (Cor: Azul / Tamanho: M)",
            erp_stock=5,
            ml_stock=5,
        )
    )
    LinkRepository(home=home).replace_all(links)
    return "MLB4100000021"


def seed_family(home) -> str:
    """A User Products seller: the family "Camiseta Básica" (three variants, each as a classic and a premium
    listing sharing one user product) whose ERP product has four compositions, and a simple listing."""
    catalog = Catalog(home=home)
    variants = [
        ("CAM-BAS-AZ-M", "Azul M", (("Cor", "Azul"), ("Tamanho", "M")), 5, 4),
        ("CAM-BAS-PR-G", "Preto G", (("Cor", "Preto"), ("Tamanho", "G")), 3, 2),
        ("CAM-BAS-VE-P", "Verde P", (("Cor", "Verde"), ("Tamanho", "P")), 0, 1),
        ("CAM-BAS-BR-GG", "Branco GG", (("Cor", "Branco"), ("Tamanho", "GG")), 7, None),
    ]
    with catalog.transaction():
        catalog.add_products(
            [
                Product("CAM-BAS", "Camiseta Básica", Decimal("49.90"), has_variations=True),
                Product("CAN-TER", "Caneca Térmica Inox", Decimal("39.90")),
            ]
        )
        catalog.add_compositions(
            [Composition(code, "CAM-BAS", attributes) for code, _v, attributes, _e, _m in variants]
        )
        catalog.record_movements(
            [
                StockMovement(code, MovementKind.ADJUSTMENT, erp, WHEN, "count")
                for code, _v, _a, erp, _m in variants
                if erp
            ]
            + [StockMovement("CAN-TER", MovementKind.ADJUSTMENT, 9, WHEN, "count")]
        )
    links, number = [], 4100000161
    for n, (code, variant, _attributes, erp, ml) in enumerate(variants):
        if ml is None:
            continue  # a composition no listing of the family carries
        for premium in (False, True):
            links.append(
                Link(
                    f"MLB{number}",
                    None,
                    LinkState.LINKED,
                    code,
                    code,
                    title=f"Camiseta Básica {variant}" + (" Premium" if premium else ""),
                    erp_name=f"Camiseta Básica ({variant})",
                    erp_stock=erp,
                    ml_stock=ml,
                    user_product_id=f"MLBU39000002{n}5",
                    family_name="Camiseta Básica",
                )
            )
            number += 7
    links.append(
        Link(
            "MLB4100000224",
            None,
            LinkState.LINKED,
            "CAN-TER",
            "CAN-TER",
            title="Caneca Térmica Inox",
            erp_name="Caneca Térmica Inox",
            erp_stock=9,
            ml_stock=9,
            user_product_id="MLBU3900000374",
            family_name="Caneca Térmica Inox",
        )
    )
    LinkRepository(home=home).replace_all(links)
    return links[2].listing_id


def mapping_of(listing: str):
    """Steps that open the variation mapping of `listing`."""

    async def steps(pilot):
        pilot.app.mapping_listing = listing
        await run_before("3")(pilot)

    return steps


def seed_journal(home) -> None:
    """Three runs (finished, failed with errors, cancelled) at fixed times, with their actions."""
    journal = Journal(home=home)
    stock = [
        Action(ActionKind.STOCK, f"MLB41000000{i:02d}", None, f"COD-{i:03d}", i, i + 3, ActionStatus.DONE)
        for i in range(12)
    ]
    failed = Action(
        ActionKind.STOCK,
        "MLB4100000099",
        180000000007,
        "CAM-BAS-PR-G",
        2,
        9,
        ActionStatus.FAILED,
        Reason.text("Mercado Livre answered 409 conflict: the item was being updated; try again"),
    )
    imports = [Action(ActionKind.IMPORT_PRODUCT, "MLB4100000091", None, "REL-NAO-EXISTE", None, 35, ActionStatus.DONE)]
    runs = [
        ("all", "finished", imports + stock, [], 0, 47),
        (
            "stock",
            "failed",
            stock[:4] + [failed],
            [{"reason": failed.reason.to_json(), "item_id": failed.item_id, "variation_id": failed.variation_id}],
            60,
            72,
        ),
        ("stock", "cancelled", stock[:2], [], 120, 125),
    ]
    for kind, status, actions, errors, start, end in runs:
        run_id = journal.start(kind, False)
        journal.record(run_id, [a.to_dict() for a in actions], errors)
        journal.finish(
            run_id,
            status,
            {
                "done": sum(a.status == ActionStatus.DONE for a in actions),
                "failed": sum(a.status == ActionStatus.FAILED for a in actions),
                "skipped": 3,
                "unchanged": 40,
            },
        )
        # fixed times instead of now
        journal.amend(run_id, started_at=_at(start), ended_at=_at(end), pid=1, host="x")


def _at(minute_seconds: int) -> str:
    return WHEN.replace(minute=15 + minute_seconds // 60, second=minute_seconds % 60).isoformat()


def fixed_plan() -> SimpleNamespace:
    actions = [
        Action(ActionKind.IMPORT_PRODUCT, "MLB4100000091", None, "REL-NAO-EXISTE", None, 35),
        Action(ActionKind.SALE, "MLB4100001393", None, "CAM-00198", 3, 2, key="sale:1"),
        Action(ActionKind.CUSTOMER, None, None, None, None, "Larissa Fernandes de Oliveira Santos", key="customer:1"),
        *[
            Action(
                ActionKind.STOCK, f"MLB41000001{i:02d}", 180000000100 + i if i % 2 else None, f"COD-{i:03d}", i, i + 2
            )
            for i in range(20)
        ],
        Action(
            ActionKind.STOCK,
            "MLB4100000056",
            None,
            "FON-FULL-1",
            5,
            15,
            ActionStatus.SKIPPED,
            Reason(Code.FULL),
        ),
    ]
    plan = Plan(SyncKind.ALL, actions, notes=[Reason(Code.FIRST_ORDERS, since=WHEN.isoformat())], unchanged=587)
    return SimpleNamespace(run_id=7, plan=plan)


@SIZES
def test_links_screen(snap_compare, make_app, melisync_home, size):
    seed_links(melisync_home, 500)
    app, _ = make_app(CONNECTED)
    assert snap_compare(app, terminal_size=size, run_before=run_before("2", "x"))


def test_links_screen_pt_br(snap_compare, make_app, melisync_home):
    seed_links(melisync_home, 500)
    app, _ = make_app(CONNECTED, lang="pt_BR")
    assert snap_compare(app, terminal_size=SMALL, run_before=run_before("2"))


def test_links_screen_empty(snap_compare, make_app):
    app, _ = make_app(CONNECTED)
    assert snap_compare(app, terminal_size=SMALL, run_before=run_before("2"))


def seed_long_codes(home) -> None:
    """Codes that differ only at the end (LUM-ART-VER-GG / LUM-ART-VER-G) and long titles."""
    title = "Luminária de Mesa LED Articulada com Braço Flexível e Base Pesada"
    codes = [
        ("LUM-ART-VER-GG", "Cor: Verde / Tamanho: GG"),
        ("LUM-ART-VER-G", "Cor: Verde / Tamanho: G"),
        ("LUM-ART-VERMELHO-EXTRA-GG", "Cor: Vermelho Escarlate / Tamanho: Extra GG"),
    ]
    links = [
        Link(
            "MLB4100000021",
            180000000041 + i,
            LinkState.LINKED,
            code,
            code,
            title=title,
            variation_label=label,
            erp_name=f"{title} ({label})",
            erp_stock=14,
            ml_stock=12,
        )
        for i, (code, label) in enumerate(codes)
    ]
    LinkRepository(home=home).replace_all(links)


@SIZES
def test_links_screen_long_codes(snap_compare, make_app, melisync_home, size):
    # Acceptance (issue 14): whole codes at both sizes, descriptive columns cut with "…" at 80x24.
    seed_long_codes(melisync_home)
    app, _ = make_app(CONNECTED)
    assert snap_compare(app, terminal_size=size, run_before=run_before("2"))


@SIZES
def test_mapping_screen_structure_mismatch(snap_compare, make_app, melisync_home, size):
    app, _ = make_app(CONNECTED)
    assert snap_compare(app, terminal_size=size, run_before=mapping_of(seed_mapping(melisync_home)))


@SIZES
def test_links_screen_user_products(snap_compare, make_app, melisync_home, size):
    seed_family(melisync_home)
    app, _ = make_app(CONNECTED)
    assert snap_compare(app, terminal_size=size, run_before=run_before("2", "down", "down"))


@SIZES
def test_mapping_screen_family(snap_compare, make_app, melisync_home, size):
    app, _ = make_app(CONNECTED)
    assert snap_compare(app, terminal_size=size, run_before=mapping_of(seed_family(melisync_home)))


@SIZES
def test_sync_logs_screen(snap_compare, make_app, melisync_home, size):
    seed_journal(melisync_home)
    app, _ = make_app(CONNECTED)
    assert snap_compare(app, terminal_size=size, run_before=run_before("4"))


@SIZES
def test_sync_logs_screen_pt_br(snap_compare, make_app, melisync_home, size):
    # At 80 columns every column fits in Portuguese too: "concluída" whole, "Puladas" on screen.
    seed_journal(melisync_home)
    app, _ = make_app(CONNECTED, lang="pt_BR")
    assert snap_compare(app, terminal_size=size, run_before=run_before("4"))


def over_logs(make_screen, prepare=lambda app: None):
    """Open the logs, `prepare(app)`, push `make_screen()` and wait for it to settle."""

    async def steps(pilot):
        await run_before("4")(pilot)
        prepare(pilot.app)
        pilot.app.push_screen(make_screen())
        await run_before()(pilot)

    return steps


@SIZES
def test_run_detail_errors_only(snap_compare, make_app, melisync_home, size):
    seed_journal(melisync_home)
    app, _ = make_app(CONNECTED)
    steps = over_logs(lambda: RunDetailScreen(2, errors_only=True))
    assert snap_compare(app, terminal_size=size, run_before=steps)


@SIZES
def test_sync_plan_screen(snap_compare, make_app, size):
    app, _ = make_app(CONNECTED)
    assert snap_compare(app, terminal_size=size, run_before=over_logs(lambda: SyncPlanScreen(fixed_plan())))


@SIZES
def test_sync_progress_screen(snap_compare, make_app, size):
    app, _ = make_app(CONNECTED)

    def half_applied(app) -> None:
        app._sync_state = SyncState(
            phase="applying",
            kind="stock",
            done=40,
            total=120,
            counts={"done": 37, "failed": 1, "skipped": 2},
            message="Applying…",
            seconds_left=83,
        )

    assert snap_compare(app, terminal_size=size, run_before=over_logs(SyncProgressScreen, half_applied))


def test_sync_kind_modal(snap_compare, make_app):
    app, _ = make_app(CONNECTED)
    assert snap_compare(app, terminal_size=SMALL, run_before=run_before("4", "S"))


@SIZES
def test_reference_code_modal(snap_compare, make_app, melisync_home, size):
    lost = next(l for l in seed_links(melisync_home, 30) if l.state == LinkState.LINK_LOST)
    app, _ = make_app(CONNECTED)
    steps = over_logs(lambda: ReferenceCodeModal(lost, lost.erp_code))
    assert snap_compare(app, terminal_size=size, run_before=steps)
