"""A postal address: the one shape for a buyer's address as Mercado Livre's billing info gives it
(`services.meli.models.BillingInfo`) and as the ERP keeps it on a customer (`services.erp.models.Customer`)."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

# The address fields the ERP keeps on a customer (its files and the customers CSV): the buyers are Brazilian,
# the country is not kept.
ERP_ADDRESS_FIELDS = ("street", "number", "complement", "neighborhood", "city", "state", "zip_code")


@dataclass(frozen=True)
class Address:
    street: str | None = None
    number: str | None = None
    complement: str | None = None
    neighborhood: str | None = None
    city: str | None = None
    state: str | None = None
    zip_code: str | None = None
    country: str | None = None


Known = TypeVar("Known", bound="DataclassInstance")


def keep_known(fresh: Known, known: Known) -> Known:
    """`fresh` with each field it leaves empty (None) taken from `known` (a dataclass of the same type): Mercado
    Livre may leave a field null while it still processes it, and a null never erases what was known."""
    kept = {f.name: getattr(known, f.name) for f in fields(fresh) if getattr(fresh, f.name) is None}
    return replace(fresh, **kept)
