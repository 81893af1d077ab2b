"""Variation mapping screen (S7, S8): one listing's variations on Mercado Livre (attribute combination,
reference code, stock) beside its ERP product's compositions, with each pair's state. A User Products
listing shows its whole family instead: one line per listing of the family (its variant, code, stock and
user product), mapped to the compositions like variations.

For a structure mismatch (an ERP product without compositions, a listing with variations), `v` converts
the product to one composition per variation: it first shows how many stock movements that zeroes
(the catalogue's preview) and asks. The listing comes from the linked products screen (Enter).
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from screens import BaseScreen, KeysFooter, ModeBar
from screens.confirm import ConfirmModal
from screens.links import STATE_STYLES, STATES, family_variant, in_family
from screens.sync_messages import (
    ConversionDone,
    ConversionPreviewed,
    ConversionRequested,
    LinksChanged,
    MappingLoaded,
    MappingLoadRequested,
)
from screens.tables import ID, NUMBER, TEXT, Column, FixedColumnsTable, plain
from services.i18n import N_, _, _n, known
from services.mapping import MappingPair, MappingView, NotConvertible, Reason

NOT_ON_ML_LABEL = N_("not on ML")

# Why converting is not offered (services/mapping.py decides; these are the words).
WHY_NOT = {
    NotConvertible.NO_MISMATCH: N_("Nothing to convert: there is no structure mismatch."),
    NotConvertible.PRODUCT_UNKNOWN: N_("The listing's ERP product is not in the catalogue."),
    NotConvertible.NO_VARIATIONS: N_(
        "The listing has no variations: add them on Mercado Livre, or link it to one composition."
    ),
    NotConvertible.COMPOSITIONS_EXIST: N_(
        "The ERP product has these compositions now: run a sync to link the variations."
    ),
    NotConvertible.CODES_MISSING: N_(
        "Every variation needs its own reference code first (r on the linked products screen)."
    ),
    NotConvertible.CODES_TAKEN: N_("The variations' reference codes repeat or are already used in the ERP."),
}


def why_not_text(reason: Reason) -> str:
    """The operator's words for a `Reason` converting is not offered, in the current language."""
    if reason.code == NotConvertible.LINKING:
        return known(reason.detail)  # what linking found, as it stored it
    return _(WHY_NOT[reason.code])


COLUMNS = (
    ("variation", N_("Variation on Mercado Livre"), 24, TEXT),
    ("code", N_("Reference code"), 16, ID),
    ("ml", N_("ML"), 4, NUMBER),
    ("state", N_("State"), 10, ID),
    ("composition", N_("ERP composition"), 16, ID),
    ("erp", N_("ERP"), 4, NUMBER),
    ("attributes", N_("ERP attributes"), 24, TEXT),
    ("user_product", N_("User product"), 15, ID),
)
# A User Products family: the lines are the family's listings (each one variant), not variations.
FAMILY_COLUMNS = (("variation", N_("Listing in the family"), 24), *COLUMNS[1:])


def pair_cells(pair: MappingPair) -> list[Text]:
    link, composition = pair.variation, pair.composition
    if pair.state in STATES:
        state = Text(_(STATES[pair.state][1]), style=STATE_STYLES[pair.state])
    else:
        state = Text(_(NOT_ON_ML_LABEL), style="yellow")
    if link is None:
        variation = "—"
    elif in_family(link):  # a listing of a User Products family: the listing and its variant
        variation = f"{link.listing_id} {family_variant(link)}".strip()
    else:
        variation = link.variation_label or _("(no variations)")
    return [
        plain(variation),
        plain((link.reference_code or "—") if link else ""),
        Text("" if link is None or link.ml_stock is None else str(link.ml_stock), justify="right"),
        state,
        plain(composition.code if composition else (pair.erp_product or "—")),
        Text("" if pair.erp_stock is None else str(pair.erp_stock), justify="right"),
        plain(composition.label if composition else (link.erp_name or "") if pair.erp_product and link else ""),
        plain((link.user_product_id or "") if link else ""),
    ]


class MappingScreen(BaseScreen):
    """One listing's variations and the ERP compositions they feed."""

    DEFAULT_CSS = """
    #mapping-header { height: auto; padding: 0 1; }
    #mapping-table { height: 1fr; }
    #mapping-s8 { height: auto; max-height: 5; padding: 0 1; }
    """

    TITLE_TEXT = N_("Variation mapping")
    BINDINGS = [
        Binding("v", "convert", N_("Convert to variations"), id="mapping.convert"),
        Binding("escape", "back", N_("Back to the links"), id="mapping.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.listing_id: str | None = None
        self.mapping: MappingView | None = None
        self._columns: tuple[Column, ...] = COLUMNS

    def compose(self) -> ComposeResult:
        yield ModeBar("mapping")
        yield Static(id="mapping-header")
        yield FixedColumnsTable(id="mapping-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="mapping-s8")
        yield KeysFooter()

    def on_mount(self) -> None:
        table = self.query_one(FixedColumnsTable)
        table.add_fixed_columns(COLUMNS)
        self.app.links_signal.subscribe(self, lambda _note: self.reload())
        self._follow_app()

    def on_screen_resume(self) -> None:
        self._follow_app()

    def _follow_app(self) -> None:
        wanted = self.app.mapping_listing
        if wanted and wanted != self.listing_id:
            self.listing_id = wanted
            self.mapping = None
            self.reload()
        elif not self.listing_id:
            self.query_one("#mapping-header", Static).update(
                _("Choose a listing on the linked products screen and press Enter.")
            )

    def reload(self) -> None:
        if self.listing_id:
            self.post_message(MappingLoadRequested(self.listing_id, self))

    @on(MappingLoaded)
    def _loaded(self, message: MappingLoaded) -> None:
        mapping = message.mapping
        if mapping.listing_id != self.listing_id:
            return
        self.mapping = mapping
        header = Text()
        if mapping.family_name:
            listings = [p.variation for p in mapping.pairs if p.variation is not None]
            header.append(_("Family") + ": ", style="bold")
            header.append(mapping.family_name)
            header.append(
                "  "
                + _n("{count} listing", "{count} listings", len(listings))
                + ", "
                + _n(
                    "{count} user product (User Products model)",
                    "{count} user products (User Products model)",
                    len({l.user_product_id for l in listings if l.user_product_id}),
                )
            )
        else:
            header.append(mapping.listing_id, style="bold")
            header.append(f"  {mapping.title}")
        label = _("ERP products") if mapping.products and not mapping.product_code else _("ERP product")
        header.append("\n" + label + ": ", style="bold")
        if mapping.product_code:
            header.append(f"{mapping.product_code}  {mapping.product_name or ''}")
        elif mapping.products:  # a family whose listings each feed a plain ERP product
            header.append(_("{codes} (one per listing, without compositions)", codes=", ".join(mapping.products)))
        else:
            header.append(_("none linked"), style="yellow")
        self.query_one("#mapping-header", Static).update(header)
        table = self.query_one(FixedColumnsTable)
        columns = FAMILY_COLUMNS if mapping.family_name else COLUMNS
        table.clear(columns=columns is not self._columns)
        if columns is not self._columns:
            table.add_fixed_columns(columns)
            self._columns = columns
        table.show_rows(pair_cells(pair) for pair in mapping.pairs)
        self._show_s8(mapping)
        self.refresh_bindings()

    def _show_s8(self, mapping: MappingView) -> None:
        panel = self.query_one("#mapping-s8", Static)
        mismatch = any(p.state == "structure_mismatch" for p in mapping.pairs)
        if not mismatch:
            panel.update("")
            return
        text = Text()
        text.append(_("Structure mismatch") + ": ", style="bold magenta")
        if mapping.convertible:
            text.append(
                _n(
                    "the ERP product {code} has no compositions while the listing has {count} variation. "
                    "Press v to give it one composition per variation (its stock movements are zeroed; "
                    "you see how many first).",
                    "the ERP product {code} has no compositions while the listing has {count} variations. "
                    "Press v to give it one composition per variation (its stock movements are zeroed; "
                    "you see how many first).",
                    len(mapping.new_compositions),
                    code=mapping.product_code,
                )
            )
        elif mapping.why_not is not None:
            text.append(why_not_text(mapping.why_not))
        panel.update(text)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "convert":
            return bool(self.mapping and self.mapping.convertible) or None
        return True

    def action_convert(self) -> None:
        if self.mapping and self.mapping.convertible:
            self.post_message(ConversionRequested(self.mapping.listing_id, preview=True, reply_to=self))

    @on(ConversionPreviewed)
    def _previewed(self, message: ConversionPreviewed) -> None:
        conversion = message.conversion
        codes = ", ".join(c.code for c in conversion.compositions)
        body = (
            _n(
                "ERP product {code} gets {count} composition: {codes}.",
                "ERP product {code} gets {count} compositions: {codes}.",
                len(conversion.compositions),
                code=conversion.product_code,
                codes=codes,
            )
            + "\n\n"
            + _n(
                "This zeroes its {count} stock movement (stock {balance} -> 0) with one reset movement in the ledger.",
                "This zeroes its {count} stock movements (stock {balance} -> 0) with one reset movement in the ledger.",
                conversion.movements_zeroed,
                balance=conversion.balance_zeroed,
            )
            + " "
            + _("The compositions start without stock. This cannot be undone from melisync.")
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self.post_message(ConversionRequested(message.listing_id, preview=False, reply_to=self))

        self.app.push_screen(ConfirmModal(_("Convert to variations?"), body, yes=_("Convert"), danger=True), answered)

    @on(ConversionDone)
    def _converted(self, message: ConversionDone) -> None:
        conversion = message.conversion
        self.post_message(
            LinksChanged(
                _n(
                    "{code} now has {count} composition;",
                    "{code} now has {count} compositions;",
                    len(conversion.compositions),
                    code=conversion.product_code,
                )
                + " "
                + _n(
                    "{count} stock movement zeroed.",
                    "{count} stock movements zeroed.",
                    conversion.movements_zeroed,
                )
                + " "
                + _("Run a sync to link the variations.")
            )
        )

    def action_back(self) -> None:
        self.app.switch_mode("links")
