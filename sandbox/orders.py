"""Orders (docs/mercado-livre-api.md §8): a sale made in the sandbox decrements the listing's (or variation's) stock as ML
does and creates the buyer's billing info; cancelling gives the stock back. Search with ML's limits."""

from __future__ import annotations

import copy
import random
from datetime import datetime
from typing import Any

from sandbox.errors import ApiError
from sandbox.items import apply_stock_status, int_param, sku_of
from sandbox.world import World

MAX_ORDERS_LIMIT = 51
MAX_ORDERS_OFFSET = 10_000
DEDUCTED = ("confirmed", "paid", "partially_paid", "partially_refunded")  # date_closed set: stock taken
DATE_FILTERS = {"date_created": "_created_at", "date_closed": "_closed_at", "date_last_updated": "_updated_at"}

FIRST_NAMES = [
    "Ana",
    "Bruno",
    "Carla",
    "Diego",
    "Elaine",
    "Fábio",
    "Gabriela",
    "Heitor",
    "Isabela",
    "João",
    "Larissa",
    "Márcio",
    "Natália",
    "Otávio",
    "Patrícia",
    "Rafael",
    "Sônia",
    "Tiago",
]
LAST_NAMES = [
    "Silva",
    "Souza",
    "Oliveira",
    "Santos",
    "Pereira",
    "Lima",
    "Carvalho",
    "Gonçalves",
    "Araújo",
    "Ribeiro",
    "Almeida",
    "Conceição",
]
CITIES = [
    ("São Paulo", "São Paulo", "01310100"),
    ("Rio de Janeiro", "Rio de Janeiro", "20040002"),
    ("Belo Horizonte", "Minas Gerais", "30130010"),
    ("Curitiba", "Paraná", "80010000"),
    ("Porto Alegre", "Rio Grande do Sul", "90010150"),
    ("Recife", "Pernambuco", "50010000"),
]


def _check_digits(base: list[int], weights_from: int) -> list[int]:
    digits = list(base)
    for start in (weights_from, weights_from + 1):
        total = sum(d * w for d, w in zip(digits, range(start, 1, -1), strict=True))
        digits.append(0 if total % 11 < 2 else 11 - total % 11)
    return digits


def fake_cpf(rng: random.Random) -> str:
    return "".join(map(str, _check_digits([rng.randint(0, 9) for _ in range(9)], 10)))


def _parse_date(raw: str, name: str) -> float:
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise ApiError(400, "bad_request", f"{name} must be an ISO date like 2026-11-01T00:00:00.000-03:00") from None
    # ML discards minutes, seconds and milliseconds of order date filters (docs/mercado-livre-api.md §8.1).
    return moment.replace(minute=0, second=0, microsecond=0).timestamp()


class OrdersMixin(World):
    def _init_orders(self) -> None:
        self.orders: dict[int, dict] = {}
        self.billing_infos: dict[str, dict] = {}
        self._next_order = 2_000_010_000_000_000
        self._next_buyer = 1_200_000_000

    # -- control methods for tests and the demo --------------------------------------------------------

    def make_buyer(self, **over: Any) -> dict:
        """A fake buyer (deterministic by seed): id, names, CPF, address; keys can be overridden."""
        with self.lock:
            rng = self._random
            self._next_buyer += 17
            city, state, zip_code = rng.choice(CITIES)
            buyer = {
                "id": self._next_buyer,
                "nickname": f"COMPRADOR{self._next_buyer % 100000}",
                "first_name": rng.choice(FIRST_NAMES),
                "last_name": rng.choice(LAST_NAMES),
                "doc_type": "CPF",
                "doc_number": fake_cpf(rng),
                "street_name": "Rua das Flores",
                "street_number": str(rng.randint(1, 999)),
                "neighborhood": "Centro",
                "city": city,
                "state": state,
                "zip_code": zip_code,
                "processing": False,
            }
            buyer.update(over)
            return buyer

    def create_order(
        self,
        item_id: str | None = None,
        variation_id: int | None = None,
        quantity: int = 1,
        *,
        buyer: dict | None = None,
        status: str = "paid",
        pack_id: int | None = None,
        tags: tuple[str, ...] = (),
        carry_sku: bool = True,
        lines: list[tuple] | None = None,
    ) -> dict:
        """A buyer purchases on ML: the order appears and (when paid/confirmed) the stock goes down.
        `buyer` overrides fields of `make_buyer()` (e.g. `{"doc_type": "CNPJ", "doc_number": ..., "name": ...}`).
        `tags` stay on the order whatever its status (`bundle_component`); `carry_sku=False`: the order item
        carries no seller_sku / seller_custom_field (kit component orders: the harsher reading). A kit is
        bought with `sell`. `lines=[(item_id, variation_id, quantity), ...]` makes an order of several items
        (instead of the first three arguments); `pack_id` puts it in a cart (`create_pack` makes one)."""
        with self.lock:
            lines = [tuple(line) for line in lines] if lines else [(item_id, variation_id, quantity)]
            built = [self._order_line(*line, deducted=status in DEDUCTED, carry_sku=carry_sku) for line in lines]
            buyer = self.make_buyer(**(buyer or {}))
            return self._place_order(built, buyer, status, pack_id, tags)

    def create_pack(self, lines: list[tuple], *, buyer: dict | None = None, status: str = "paid") -> list[dict]:
        """A cart: one order per line (each `(item_id, variation_id, quantity)`, or a list of them for an order
        of several items), all with the same buyer and `pack_id` (docs/mercado-livre-api.md §8.2)."""
        with self.lock:
            self._next_order += 1
            pack_id = self._next_order + 1_000_000_000
            buyer = self.make_buyer(**(buyer or {}))
            orders = []
            for line in lines:
                group = line if isinstance(line, list) else [line]
                built = [self._order_line(*entry, deducted=status in DEDUCTED) for entry in group]
                orders.append(self._place_order(built, buyer, status, pack_id))
            return orders

    def _order_line(
        self,
        item_id: str,
        variation_id: int | None = None,
        quantity: int = 1,
        *,
        deducted: bool,
        carry_sku: bool = True,
    ) -> dict:
        if self.is_kit(item_id):
            raise ValueError(f"{item_id} is a kit: buy it with sell() (one order per component)")
        item = self.items[item_id]
        if item["variations"] and variation_id is None:
            raise ValueError("this listing has variations: say which one was sold")
        variation = next((v for v in item["variations"] if v["id"] == variation_id), None)
        if variation_id is not None and variation is None:
            raise ValueError(f"variation {variation_id} is not in {item_id}")
        if item["status"] != "active" and deducted:
            raise ValueError(f"{item_id} is {item['status']}: nobody can buy it")
        stock_holder = variation or item
        if stock_holder["available_quantity"] < quantity:
            raise ValueError(f"only {stock_holder['available_quantity']} in stock")
        unit_price = (variation or item)["price"]
        return {
            "item": {
                "id": item_id,
                "title": item["title"],
                "category_id": item["category_id"],
                "variation_id": variation_id,
                "seller_custom_field": (variation or item).get("seller_custom_field") if carry_sku else None,
                "seller_sku": sku_of((variation or item).get("attributes")) if carry_sku else None,
                "variation_attributes": copy.deepcopy(variation["attribute_combinations"]) if variation else [],
                "condition": item["condition"],
            },
            "quantity": quantity,
            "unit_price": unit_price,
            "gross_price": unit_price * quantity,
            "currency_id": "BRL",
            "sale_fee": round(unit_price * 0.12, 2),
            "listing_type_id": item["listing_type_id"],
        }

    def _place_order(
        self, lines: list[dict], buyer: dict, status: str, pack_id: int | None, tags: tuple[str, ...] = ()
    ) -> dict:
        self._next_order += 1
        order_id = self._next_order
        billing_id = str(600_000_000_000_000_000 + order_id)
        self.billing_infos[billing_id] = buyer
        now = self.now()
        total = sum(line["gross_price"] for line in lines)
        shown = [status, "not_delivered"] if status == "paid" else []
        order = {
            "id": order_id,
            "date_created": self.iso(now),
            "date_closed": None,
            "last_updated": self.iso(now),
            "pack_id": pack_id,
            "status": status,
            "status_detail": None,
            "total_amount": total,
            "paid_amount": total if status == "paid" else 0,
            "currency_id": "BRL",
            "order_items": lines,
            "payments": [
                {
                    "id": order_id + 5_000_000_000,
                    "status": "approved" if status == "paid" else "pending",
                    "transaction_amount": total,
                }
            ],
            "shipping": {"id": 41_000_000_000 + order_id % 1_000_000_000},
            "tags": shown + (["pack_order"] if pack_id and shown else []) + list(tags),
            "context": {"channel": "marketplace", "site": "MLB", "flows": []},
            "buyer": {"id": buyer["id"], "billing_info": {"id": billing_id}},
            "seller": {"id": self.seller["id"]},
            "_created_at": now,
            "_closed_at": None,
            "_updated_at": now,
            "_deducted": False,
            "_tags": list(tags),
        }
        self.orders[order_id] = order
        if status in DEDUCTED:
            self._deduct(order)
        return self._render_order(order)

    def _deduct(self, order: dict, sign: int = 1) -> None:
        for line in order["order_items"]:
            item = self.items[line["item"]["id"]]
            variation_id = line["item"]["variation_id"]
            holder = next(v for v in item["variations"] if v["id"] == variation_id) if variation_id else item
            holder["available_quantity"] -= sign * line["quantity"]
            holder["sold_quantity"] += sign * line["quantity"]
            if variation_id:
                item["available_quantity"] = sum(v["available_quantity"] for v in item["variations"])
                item["sold_quantity"] += sign * line["quantity"]
            apply_stock_status(item)
            item["last_updated"] = self.iso()
            self._after_stock_change(item, variation_id)
        order["_deducted"] = sign > 0
        if sign > 0 and order["_closed_at"] is None:
            order["_closed_at"] = self.now()
            order["date_closed"] = self.iso(order["_closed_at"])

    def set_order_status(self, order_id: int, status: str) -> dict:
        """Move an order on (e.g. payment_required -> paid, paid -> cancelled); stock follows as on ML."""
        with self.lock:
            order = self.orders[order_id]
            order["status"] = status
            if status in DEDUCTED and not order["_deducted"]:
                self._deduct(order)
            elif status in ("cancelled", "invalid") and order["_deducted"]:
                self._deduct(order, sign=-1)  # a cancelled sale gives the stock back
            if status == "paid":
                order["paid_amount"] = order["total_amount"]
                order["payments"][0]["status"] = "approved"
            order["tags"] = ([status, "not_delivered"] if status == "paid" else [status]) + order["_tags"]
            order["_updated_at"] = self.now()
            order["last_updated"] = self.iso(order["_updated_at"])
            return self._render_order(order)

    def cancel_order(self, order_id: int) -> dict:
        return self.set_order_status(order_id, "cancelled")

    def create_sample_orders(self, count: int) -> list[int]:
        """`count` paid sales spread over writable listings with stock (for the demo)."""
        made = []
        with self.lock:
            candidates = [i for i in self._order if self.items[i]["status"] == "active" and not self.is_kit(i)]
            for _ in range(count):
                if not candidates:
                    break
                item_id = self._random.choice(candidates)
                item = self.items[item_id]
                in_stock = [v for v in item["variations"] if v["available_quantity"] > 0]
                if (item["variations"] and not in_stock) or item["available_quantity"] <= 0:
                    candidates.remove(item_id)
                    continue
                variation_id = self._random.choice(in_stock)["id"] if item["variations"] else None
                made.append(self.create_order(item_id, variation_id, 1)["id"])
        return made

    def order(self, order_id: int) -> dict:
        with self.lock:
            return self._render_order(self.orders[order_id])

    # -- API -----------------------------------------------------------------------------------------

    @staticmethod
    def _render_order(order: dict) -> dict:
        return {k: copy.deepcopy(v) for k, v in order.items() if not k.startswith("_")}

    def _search_result(self, order: dict) -> dict:
        """An order as a search result: strictly without `buyer.billing_info` (the docs only show it on
        GET /orders/{id}, docs/mercado-livre-api.md §8.2-8.3); lenient `billing_in_search` keeps it."""
        out = self._render_order(order)
        if "billing_in_search" not in self.lenient:
            out["buyer"] = {"id": out["buyer"]["id"]}
        return out

    def get_order(self, order_id: int, caller: tuple[int, str]) -> dict:
        with self.lock:
            order = self.orders.get(order_id)
            if order is None:
                raise ApiError(404, "order_not_found", f"Order {order_id} not found")
            if order["seller"]["id"] != caller[0]:
                raise ApiError(403, "not_owned_order", "The caller is not the seller of this order")
            return self._render_order(order)

    def search_orders(self, params: dict, caller: tuple[int, str]) -> dict:
        """`GET /orders/search?seller=...`: status and hour-precision date filters, limit <= 51."""
        with self.lock:
            seller = params.get("seller")
            if not seller:
                raise ApiError(400, "bad_request", "seller or buyer is required")
            if seller != str(caller[0]):
                raise ApiError(403, "forbidden", "caller.id.invalid: the token does not belong to the seller")
            limit = int_param(params, "limit", 50)
            if limit > MAX_ORDERS_LIMIT:
                raise ApiError(400, "bad_request", f"Limit must be a lower or equal than {MAX_ORDERS_LIMIT}")
            offset = int_param(params, "offset", 0)
            if offset > MAX_ORDERS_OFFSET:
                raise ApiError(400, "bad_request", f"Limit must be a lower or equal than {MAX_ORDERS_OFFSET}")
            statuses = set(params["order.status"].split(",")) if params.get("order.status") else None
            bounds = []
            for name, key in DATE_FILTERS.items():
                for edge in ("from", "to"):
                    raw = params.get(f"order.{name}.{edge}")
                    if raw:
                        bounds.append((key, edge, _parse_date(raw, f"order.{name}.{edge}")))
            found = []
            for order in self.orders.values():
                # Seller searches leave cancelled orders out unless asked for (docs/mercado-livre-api.md §8.1).
                if statuses is None and order["status"] == "cancelled":
                    continue
                if statuses is not None and order["status"] not in statuses:
                    continue
                if params.get("item") and all(line["item"]["id"] != params["item"] for line in order["order_items"]):
                    continue
                if not all(
                    order[key] is not None and (order[key] >= at if edge == "from" else order[key] <= at)
                    for key, edge, at in bounds
                ):
                    continue
                found.append(order)
            sort = params.get("sort", "date_asc")
            if "sort_date_created" in self.lenient:
                found.sort(key=lambda o: (o["_created_at"], o["id"]), reverse=sort == "date_desc")
            else:  # ML sorts a seller's orders by date_closed (docs/mercado-livre-api.md §8.1); not closed yet: after the others
                found.sort(
                    key=lambda o: (o["_closed_at"] is None, o["_closed_at"] or 0, o["id"]), reverse=sort == "date_desc"
                )
            return {
                "query": None,
                "display": "complete",
                "paging": {"total": len(found), "offset": offset, "limit": limit},
                "results": [self._search_result(o) for o in found[offset : offset + limit]],
                "sort": {"id": sort, "name": "Date descending" if sort == "date_desc" else "Date ascending"},
                "available_sorts": [],
                "filters": [],
                "available_filters": [],
            }

    def shipment(self, shipment_id: int, caller: tuple[int, str], format_new: str | None) -> dict:
        """`GET /shipments/{id}` (header `x-format-new: true` is mandatory); the address is hidden until paid."""
        with self.lock:
            if (format_new or "").lower() != "true":
                raise ApiError(400, "bad_request", "x-format-new: true header is required")
            order = next((o for o in self.orders.values() if o["shipping"]["id"] == shipment_id), None)
            if order is None:
                raise ApiError(404, "not_found", f"Shipment {shipment_id} not found")
            if order["seller"]["id"] != caller[0]:
                raise ApiError(403, "forbidden", "access to the requested resource is forbidden")
            buyer = self.billing_infos[order["buyer"]["billing_info"]["id"]]
            paid = order["_deducted"] and order["status"] != "cancelled"
            street = buyer.get("street_name") if paid else None
            number = buyer.get("street_number") if paid else None
            item = self.items[order["order_items"][0]["item"]["id"]]  # one shipment: the first line's logistics
            return {
                "id": shipment_id,
                "status": "ready_to_ship" if paid else "pending",
                "tracking_number": None,
                "logistic": {"mode": "me2", "type": item["shipping"].get("logistic_type")},
                "destination": {
                    "receiver_id": buyer["id"],
                    "receiver_name": " ".join(filter(None, [buyer.get("first_name"), buyer.get("last_name")])),
                    "receiver_phone": None,
                    "shipping_address": {
                        "address_line": f"{street} {number}" if paid else None,
                        "street_name": street,
                        "street_number": number,
                        "comment": buyer.get("comment") if paid else None,
                        "zip_code": buyer.get("zip_code"),
                        "city": {"id": None, "name": buyer.get("city")},
                        "state": {"id": None, "name": buyer.get("state")},
                        "neighborhood": {"name": buyer.get("neighborhood") if paid else None},
                        "country": {"id": "BR", "name": "Brasil"},
                    },
                },
            }

    def billing_info(self, site_id: str, billing_id: str, caller: tuple[int, str]) -> dict:
        """`GET /orders/billing-info/MLB/{id}`; fields are null while the fiscal data is PROCESSING."""
        with self.lock:
            buyer = self.billing_infos.get(billing_id)
            if buyer is None or site_id != "MLB":
                raise ApiError(404, "not_found", f"Billing info {billing_id} not found")
            processing = buyer.get("processing")
            company = buyer.get("doc_type") == "CNPJ"
            info = {
                "name": None if processing else buyer.get("name") or buyer["first_name"],
                "identification": {
                    "type": None if processing else buyer["doc_type"],
                    "number": None if processing else buyer["doc_number"],
                },
                "taxes": {
                    "inscriptions": {"state_registration": buyer.get("state_registration")},
                    "taxpayer_type": {"description": "Contribuinte" if company else "Não contribuinte"},
                },
                "address": {
                    "street_name": buyer.get("street_name"),
                    "street_number": buyer.get("street_number"),
                    "city_name": buyer.get("city"),
                    "comment": buyer.get("comment"),
                    "neighborhood": buyer.get("neighborhood"),
                    "state": {"name": buyer.get("state")},
                    "zip_code": buyer.get("zip_code"),
                    "country_id": "BR",
                },
                "attributes": {"is_normalized": not processing, "cust_type": "BU" if company else "CO"},
            }
            if not company and not processing:
                info["last_name"] = buyer.get("last_name")
            return {
                "site_id": "MLB",
                "buyer": {"cust_id": buyer["id"], "billing_info": info},
                "seller": {"cust_id": self.seller["id"]},
            }
