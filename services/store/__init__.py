"""TinyDB storage (atomic, locked, batched) for the three data files, and the repositories on top of it."""

from services.store.store import ERP, JOURNAL, MELI, SCHEMA_VERSION, Store, close_stores, open_store

__all__ = ["ERP", "JOURNAL", "MELI", "SCHEMA_VERSION", "Store", "close_stores", "open_store"]
