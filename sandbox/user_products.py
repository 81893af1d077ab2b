"""User Products sellers (ml-api.md §6.5, §6.6): shared stock per user_product_id, UPtin migration,
multi-origin stock with x-version."""

from __future__ import annotations


class UserProductsMixin:
    def _init_user_products(self) -> None:
        pass

    def _check_not_migrating(self, item: dict) -> None:
        pass

    def _after_stock_change(self, item: dict, variation_id: int | None) -> None:
        pass
