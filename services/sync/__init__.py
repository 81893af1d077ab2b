"""The sync engine: each kind as plan -> apply, every Mercado Livre write through one journaled path.

Modules: `plan` (the Plan/Action model), `products`, `orders`, `stock` (pure planning per step),
`planning` (a whole plan from a snapshot), `apply` (the one write path for stock), `reference_code`
(the operator's SELLER_SKU fix, same rules), `erp_side` (the ERP reads and writes of a sync),
`events` (progress), `engine` (read, plan, apply, journal: what the CLI and the TUI call).
"""
