"""Texts the services build with values in them (link reasons, plan notes, why an action was skipped) are
shown in Portuguese by shape (`services.i18n.known`), and every shape in the catalogue is still one the
services can produce (a reworded service text must fail here, not silently show in English)."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from services.i18n import known, set_language
from services.locale import patterns

ROOT = Path(__file__).resolve().parents[2]
WILD = "\x00"
MIN_FIXED = 8  # templates with less fixed text ("{a}: {b}") would match anything


@pytest.fixture(autouse=True)
def portuguese():
    set_language("pt_BR")
    yield
    set_language("en")


def _template(node, names: dict[str, str]) -> str:
    """The text a string expression of the services can produce, with WILD where a value goes."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(_template(part, names) for part in node.values)
    if isinstance(node, ast.FormattedValue):
        return _template(node.value, names)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _template(node.left, names) + _template(node.right, names)
    if isinstance(node, ast.AugAssign) and isinstance(node.op, ast.Add):
        return WILD + _template(node.value, names)  # `note += ": ..."`: a text built in steps
    if isinstance(node, ast.Name) and node.id in names:
        return names[node.id]  # a module constant such as FULL_REASON or MIGRATED
    return WILD


def service_templates() -> list[re.Pattern]:
    names: dict[str, str] = {}
    trees = []
    for path in sorted((ROOT / "services").rglob("*.py")):
        if "locale" in path.parts:
            continue
        tree = ast.parse(path.read_text("utf-8"))
        trees.append(tree)
        for node in tree.body:
            if (
                isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
            ):
                names.update({t.id: node.value.value for t in node.targets if isinstance(t, ast.Name)})
    found = set()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, (ast.Constant, ast.JoinedStr, ast.BinOp, ast.AugAssign)):
                text = _template(node, names)
                if len(text.replace(WILD, "")) >= MIN_FIXED:
                    found.add(text)
    return [
        re.compile("".join(".+" if part == WILD else re.escape(part) for part in re.split(f"({WILD})", t)), re.DOTALL)
        for t in found
    ]


def _fields(text: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name}


def test_every_shape_is_still_one_the_services_produce():
    templates = service_templates()
    stale = []
    for source in patterns("pt_BR"):
        example = source.format(**{name: f"V{i}" for i, name in enumerate(sorted(_fields(source)))})
        if not any(t.fullmatch(example) for t in templates):
            stale.append(source)
    assert stale == [], "a service reworded a text: update services/locale/sync_notes.py"


def test_no_service_text_says_s_in_parentheses():
    # "5 sale(s)" is never shown: each count picks its singular or plural (services.i18n.plural).
    assert [source for source in patterns("pt_BR") if "(s)" in source] == []
    assert [text for text in patterns("pt_BR").values() if "(s)" in text or "(ões)" in text] == []
    built = [t.pattern.replace("http\\(s\\)", "") for t in service_templates()]  # "an http(s) URL" is no plural
    assert [pattern for pattern in built if "\\(s\\)" in pattern] == []


def test_translations_keep_the_values():
    for source, translated in patterns("pt_BR").items():
        assert _fields(source) == _fields(translated), source


@pytest.mark.parametrize(
    ("english", "in_portuguese"),
    [
        (
            "reference code changed from KIT-PANELAS-5 to KIT-PANELAS-5-V2 (S6)",
            "código de referência mudou de KIT-PANELAS-5 para KIT-PANELAS-5-V2",
        ),
        (
            "ERP product LUM-ART has no variations; the listing has 3 (S8)",  # a "; " inside one shape
            "o produto ERP LUM-ART não tem variações; o anúncio tem 3",
        ),
        (
            "link_lost: reference code changed from A to nothing (S6)",  # the stock step's "{state}: {reason}"
            "link_lost: código de referência mudou de A para nothing",
        ),
        (
            "stock is not written: the seller has 2 warehouses and none is chosen: run `melisync config set warehouse "
            "<store_id>` (choices: 7700000 (Depósito 1), 7700001 (Depósito 2))",  # shapes inside shapes
            "o estoque não é gravado: o vendedor tem 2 depósitos e nenhum foi escolhido: execute `melisync config set "
            "warehouse <store_id>` (opções: 7700000 (Depósito 1), 7700001 (Depósito 2))",
        ),
        ("listing is paused; ignored by the operator", "anúncio com status paused; ignorada pelo operador"),
        ("Mercado Livre answered 409 conflict", "Mercado Livre answered 409 conflict"),  # unknown: as it is
        (
            "the ERP stock (10) less the units held by orders not paid yet (2, orders: 2000010000000001) is what can be "
            "sold; other warehouses hold 3 (read, never written)",  # a hold on a warehouse write
            "o estoque no ERP (10) menos as unidades reservadas por pedidos ainda não pagos (2, pedidos: "
            "2000010000000001) é o que pode ser vendido; outros depósitos têm 3 (lidos, nunca gravados)",
        ),
        (
            "units held by orders confirmed but not paid yet are kept off the listings until paid (then recorded as "
            "sales) or cancelled (units: 3, orders: 2); code: units (orders): CAN: 2 (11); TAP: 1 (12, 13)",
            "unidades reservadas por pedidos confirmados mas ainda não pagos ficam fora dos anúncios até o pagamento "
            "(então registradas como vendas) ou o cancelamento (unidades: 3, pedidos: 2); código: unidades (pedidos): "
            "CAN: 2 (11); TAP: 1 (12, 13)",
        ),
        # one and many agree in both languages: never "anúncio(s)"
        (
            "1 listing could not be read and was left as it was: MLB1",
            "1 anúncio não pôde ser lido e ficou como estava: MLB1",
        ),
        (
            "2 listings could not be read and were left as they were: MLB1, MLB2",
            "2 anúncios não puderam ser lidos e ficaram como estavam: MLB1, MLB2",
        ),
        (
            "1 sale or cancellation arrived after the plan was made (orders: 7); recorded in the ERP: 1, stock targets "
            "recomputed: 1",
            "1 venda ou cancelamento chegou depois do plano (pedidos: 7); registradas no ERP: 1, alvos de estoque "
            "recalculados: 1",
        ),
        (
            "1 write answered that the stock had moved (409): 1 stock target planned again and written",
            "1 gravação respondeu que o estoque tinha mudado (409): 1 alvo de estoque planejado de novo e gravado",
        ),
        (
            "variations 11, 12 are no longer on the live listing",
            "as variações 11, 12 não estão mais no anúncio publicado",
        ),
    ],
)
def test_known_shapes_are_translated(english, in_portuguese):
    # Reasons stored by older versions end in rule ids ("(S6)"): never shown, in either language.
    assert known(english) == in_portuguese
    set_language("en")
    assert known(english) == re.sub(r" \(S\d\)", "", english)


async def test_the_links_screen_explains_a_lost_link_in_portuguese(make_app, melisync_home):
    from tests.fixtures.tui import CONNECTED
    from tests.fixtures.tui_sync import seed_links, wait_until
    from tests.tui.test_links import open_links

    seed_links(melisync_home, 30)
    app, _gateway = make_app(CONNECTED, lang="pt_BR")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_links(app, pilot)
        await pilot.press("x")
        await wait_until(app, pilot, lambda: screen.settled and screen.rows, "the lost links")
        detail = str(screen.query_one("#links-detail").content)
        assert "código de referência mudou de COD-X para COD-Y" in detail and "(S6)" not in detail
