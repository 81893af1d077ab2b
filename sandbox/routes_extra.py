"""Routes for orders and the User Products / multi-origin stock resources."""

from __future__ import annotations


def extra_routes(state, caller, optional_caller, params, json_body) -> list:
    return []
