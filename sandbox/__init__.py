"""A local emulator of the Mercado Livre API (docs/mercado-livre-api.md) for the demo, the tests and the benchmarks.

One base URL serves both the API and the authorization page, so a client is configured with
`api_url = auth_url = <base URL>`. The demo app's credentials below are registered in every sandbox.
This package stands alone: it imports nothing from services/, tui/ or screens/.
"""

DEMO_CLIENT_ID = "5738291046372819"  # ML app ids are long numeric strings
DEMO_CLIENT_SECRET = "sandbox-demo-secret-6f1c2b9e0d7a"
DEMO_REDIRECT_URI = "https://melisync.example/callback"  # https: ML refuses plain http redirect URIs

SELLER_ID = 3347552577  # above Int32 on purpose (docs/mercado-livre-api.md §2)
SELLER_NICKNAME = "LOJA_TESTE_MELISYNC"
SITE_ID = "MLB"
# How a buyer's order can start in the sandbox (docs/mercado-livre-api.md §8.2): paid at once, or waiting for the payment
# (confirmed or partially_paid: the units are taken; payment_required/payment_in_process: not yet, no date_closed).
SALE_STATUSES = ("paid", "confirmed", "payment_required", "payment_in_process", "partially_paid")
ORDER_STATUSES = SALE_STATUSES + ("partially_refunded", "cancelled", "invalid")
