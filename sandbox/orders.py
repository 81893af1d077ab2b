"""Orders (ml-api.md §8): sales made in the sandbox decrement stock as ML does; search, single order,
billing info."""

from __future__ import annotations


class OrdersMixin:
    def _init_orders(self) -> None:
        self.orders: dict[int, dict] = {}
        self.billing_infos: dict[str, dict] = {}
