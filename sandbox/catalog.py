"""Deterministic demo data: N listings for the test seller and the matching ERP CSV (docs/architecture.md §5),
mixed so that every link state shows up (linked, no_reference, unknown_code, structure_mismatch,
not_writable, classic + premium on one code, codes with accents and spaces, stock differences)."""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass, field
from typing import Any

PRODUCTS = [
    ("Camiseta Básica Algodão", "CAM"),
    ("Tênis de Corrida Leve", "TEN"),
    ("Caneca Térmica Inox", "CAN"),
    ("Fone de Ouvido Bluetooth", "FON"),
    ("Mochila Escolar Reforçada", "MOC"),
    ("Garrafa Inox 750ml", "GAR"),
    ("Luminária de Mesa LED", "LUM"),
    ("Capa para Celular Silicone", "CAP"),
    ("Jogo de Toalhas Banho", "TOA"),
    ("Panela Antiaderente", "PAN"),
    ("Relógio Digital Esportivo", "REL"),
    ("Calça Jeans Slim", "CAL"),
    ("Boné Aba Curva", "BON"),
    ("Carregador Turbo USB-C", "CAR"),
    ("Cadeira Gamer Ergonômica", "CAD"),
    ("Tapete de Yoga", "TAP"),
    ("Meia Esportiva Kit 3", "MEI"),
    ("Vestido Midi Floral", "VES"),
]
COLORS = ["Azul", "Preto", "Branco", "Vermelho", "Verde", "Cinza", "Rosa", "Amarelo"]
# A colour's part of a variation code: one per colour, so codes are unique within a listing
# (the first three letters made "Verde" and "Vermelho" both VER: two variations, one code).
COLOR_CODES = {
    "Azul": "AZU",
    "Preto": "PRE",
    "Branco": "BRA",
    "Vermelho": "VRM",
    "Verde": "VER",
    "Cinza": "CIN",
    "Rosa": "ROS",
    "Amarelo": "AMA",
}
SIZES = ["P", "M", "G", "GG"]
CSV_COLUMNS = ["code", "name", "price", "stock", "parent_code", "attributes"]


@dataclass
class Catalog:
    """`listings`: keyword arguments for `SandboxState.add_listing`, in order; `erp_csv`: the ERP file text."""

    listings: list[dict] = field(default_factory=list)
    erp_rows: list[dict] = field(default_factory=list)
    # Mercado Livre kits (`SandboxState.add_kit`), their components named by reference code:
    # `{"title", "sku", "components": [(code, units), ...]}`
    kits: list[dict] = field(default_factory=list)

    @property
    def erp_csv(self) -> str:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.erp_rows)
        return out.getvalue()


class _Builder:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.catalog = Catalog()
        self.erp_codes: set[str] = set()

    def price(self) -> float:
        return round(self.rng.uniform(19, 899), 0) - 0.1

    def erp_stock(self, ml_stock: int, differ: bool) -> int:
        return max(0, ml_stock + self.rng.choice((-3, -1, 2, 5, 10))) if differ else ml_stock

    def erp_row(self, code: str, name: str, price: float, stock: int, parent: str = "", attributes: str = "") -> None:
        if code in self.erp_codes:
            return
        self.erp_codes.add(code)
        self.catalog.erp_rows.append(
            {
                "code": code,
                "name": name,
                "price": f"{price:.2f}",
                "stock": stock,
                "parent_code": parent,
                "attributes": attributes,
            }
        )

    def simple(
        self,
        title: str,
        code: str | None,
        *,
        in_erp: bool = True,
        differ: bool = False,
        code_field: str = "sku",
        **extra: Any,
    ) -> None:
        quantity = extra.pop(
            "quantity", self.rng.randint(0, 40) if self.rng.random() < 0.1 else self.rng.randint(1, 40)
        )
        price = extra.pop("price", self.price())
        spec = {"title": title, "price": price, "quantity": quantity, **extra}
        if code is not None:
            spec[code_field if code_field == "sku" else "seller_custom_field"] = code
        self.catalog.listings.append(spec)
        if code is not None and in_erp:
            self.erp_row(code, title, price, self.erp_stock(quantity, differ))

    def with_variations(
        self,
        title: str,
        parent: str,
        count: int,
        *,
        item_sku: bool = True,
        codes: bool = True,
        in_erp: bool = True,
        compositions: bool = True,
        differ: bool = False,
        missing_one: bool = False,
        **extra: Any,
    ) -> None:
        combos = [(c, s) for c in COLORS for s in SIZES]
        chosen = self.rng.sample(combos, count)
        price = extra.pop("price", self.price())
        variations: list[dict[str, Any]] = []
        for color, size in chosen:
            code = f"{parent}-{COLOR_CODES[color]}-{size}" if codes else None
            variations.append(
                {
                    "attributes": {"Cor": color, "Tamanho": size},
                    "quantity": self.rng.randint(0, 15),
                    "sku": code,
                    "sold_quantity": self.rng.randint(0, 30),
                }
            )
        spec = {"title": title, "price": price, "variations": variations, **extra}
        if item_sku and codes:
            spec["sku"] = parent
        self.catalog.listings.append(spec)
        if not (codes and in_erp):
            return
        total = sum(v["quantity"] for v in variations)
        self.erp_row(parent, title, price, 0 if compositions else self.erp_stock(total, differ))
        if not compositions:
            return
        parent_row = self.catalog.erp_rows[-1]
        for index, variation in enumerate(variations):
            if missing_one and index == len(variations) - 1:
                continue  # this variation's code is not in the ERP
            attrs = ";".join(f"{k}={v}" for k, v in variation["attributes"].items())
            self.erp_row(
                variation["sku"],
                " ".join([title, *variation["attributes"].values()]),
                price,
                self.erp_stock(variation["quantity"], differ and self.rng.random() < 0.5),
                parent,
                attrs,
            )
        # As ERP exports write it: the product's row carries the sum of its compositions' stock.
        parent_row["stock"] = sum(r["stock"] for r in self.catalog.erp_rows if r["parent_code"] == parent)


def generate(n: int = 300, seed: int = 0, kits: int = 0) -> Catalog:
    """N listings (deterministic for a seed). The first dozen are the fixed cases every demo shows. `kits`:
    that many Mercado Livre kits (tag `bundle`) made of simple listings of the catalogue, their codes in the ERP."""
    b = _Builder(seed)
    fixed = [
        # one code on a classic and a premium listing (both linked to the same ERP product)
        lambda: b.simple(
            "Kit Panelas Antiaderentes 5 Peças", "KIT-PANELAS-5", listing_type="gold_special", quantity=12, price=249.9
        ),
        lambda: b.simple(
            "Kit Panelas Antiaderentes 5 Peças Premium",
            "KIT-PANELAS-5",
            listing_type="gold_pro",
            quantity=12,
            price=269.9,
        ),
        # rule S8: the ERP product has no compositions while the listing has variations
        lambda: b.with_variations("Luminária de Mesa LED Articulada", "LUM-ART", 3, compositions=False),
        # reference codes with accents and spaces
        lambda: b.simple("Caneca Térmica Água 300ml", "CANECA ÁGUA 300", quantity=8),
        lambda: b.with_variations("Camiseta Ação Social", "CAMISETA AÇÃO", 4, legacy=True),
        # no reference code anywhere (item and variations)
        lambda: b.with_variations("Meia Esportiva Sem Código", "X", 3, codes=False),
        lambda: b.simple("Boné Sem Código", None),
        # Full (fulfillment): stock is not writable
        lambda: b.simple("Fone Bluetooth Full", "FON-FULL-1", full=True, differ=True),
        lambda: b.with_variations("Tênis Corrida Full", "TEN-FULL", 3, full=True),
        # reference code only in seller_custom_field (the fallback)
        lambda: b.simple("Garrafa Inox Campo Legado", "GAR-LEGADO-1", code_field="seller_custom_field"),
        # SELLER_SKUs only at variation level
        lambda: b.with_variations("Vestido Midi Só Variações", "VES-SV", 2, item_sku=False),
        lambda: b.with_variations("Calça Jeans Só Variações", "CAL-SV", 3, item_sku=False, differ=True),
        # a code the ERP does not know, and a variation code missing from the ERP
        lambda: b.simple("Relógio Código Desconhecido", "REL-NAO-EXISTE", in_erp=False),
        lambda: b.with_variations("Mochila Com Variação Nova", "MOC-NOVA", 3, missing_one=True),
        # paused by lack of stock
        lambda: b.simple("Tapete de Yoga Esgotado", "TAP-ESG-1", quantity=0),
    ]
    for make in fixed[:n]:
        make()
    for i in range(len(fixed), n):
        name, prefix = PRODUCTS[i % len(PRODUCTS)]
        title = f"{name} {i:05d}"
        roll = b.rng.random()
        code = f"{prefix}-{i:05d}"
        if b.rng.random() < 0.03:
            code = f"{prefix} Edição Ação {i}"  # accents and spaces
        if roll < 0.30:
            b.with_variations(
                title,
                code,
                b.rng.randint(2, 12),
                item_sku=b.rng.random() < 0.8,
                codes=b.rng.random() > 0.04,
                in_erp=b.rng.random() > 0.05,
                differ=b.rng.random() < 0.2,
                full=b.rng.random() < 0.05,
                legacy=b.rng.random() < 0.25,
            )
        else:
            b.simple(
                title,
                None if b.rng.random() < 0.04 else code,
                in_erp=b.rng.random() > 0.05,
                differ=b.rng.random() < 0.15,
                full=b.rng.random() < 0.05,
                listing_type="gold_pro" if b.rng.random() < 0.3 else "gold_special",
            )
    _add_kits(b, kits)
    return b.catalog


def _add_kits(b: _Builder, count: int) -> None:
    """Kits of 2 simple, writable, in-stock listings whose codes are in the ERP (2 units of the first). The kit's
    own code is not an ERP product: Mercado Livre computes a kit's stock, the ERP counts the components."""
    simple = [
        spec
        for spec in b.catalog.listings
        if spec.get("sku") in b.erp_codes
        and not spec.get("variations")
        and not spec.get("full")
        and spec.get("quantity", 0) >= 4
        and spec.get("sku") != "KIT-PANELAS-5"
    ]
    first_by_sku: dict[str, dict] = {}  # the first listing of each code, in order
    for spec in simple:
        first_by_sku.setdefault(spec["sku"], spec)
    parts = list(first_by_sku.values())
    for index in range(min(count, len(parts) // 2)):
        first, second = parts[2 * index], parts[2 * index + 1]
        code = f"KIT-ML-{index + 1}"
        title = f"Kit {first['title']} + {second['title']}"
        b.catalog.kits.append({"title": title, "sku": code, "components": [(first["sku"], 2), (second["sku"], 1)]})
