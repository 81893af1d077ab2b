"""pt_BR for the texts the linking and sync services build with values in them (a link's reason, a plan's
notes, an action's why), matched by shape at display time (`services.i18n.known`).

`{name}` stands for a value (a code, an id, a count); values are translated too when they are such a text
themselves. `tests/tui/test_i18n.py` checks each English shape is still one the services can produce.
"""

PATTERNS_PT_BR = {
    # why a link is in its state (services/linking.py, services/store/links.py)
    "reference code changed from {old} to {new}": "código de referência mudou de {old} para {new}",
    "no reference code (SELLER_SKU) on Mercado Livre": "sem código de referência (SELLER_SKU) no Mercado Livre",
    "{code} is not in the ERP": "{code} não está no ERP",
    "reference code {code} is on {count} variations of this listing": "o código de referência {code} está em {count} variações deste anúncio",
    "ERP product {product} has no variations; the listing has {count}": "o produto ERP {product} não tem variações; o anúncio tem {count}",
    "{code} is an ERP product without variations, used on a variation": "{code} é um produto ERP sem variações, usado numa variação",
    "Full (fulfillment): stock is kept by Mercado Livre and cannot be written": "Full (fulfillment): o estoque fica com o Mercado Livre e não pode ser gravado",
    "being migrated to User Products: Mercado Livre refuses writes until the migration ends": "em migração para Produtos do usuário: o Mercado Livre recusa gravações até a migração terminar",
    "listing is {status}": "anúncio com status {status}",
    "Mercado Livre refused the stock write: {message}": "o Mercado Livre recusou a gravação do estoque: {message}",
    "ignored by the operator": "ignorada pelo operador",
    "migrated to User Products (listing closed); {code} now on: {where}": "migrado para Produtos do usuário (anúncio encerrado); {code} agora em: {where}",
    # a plan's notes (services/sync/engine.py, planning.py)
    "{count} listing could not be read and was left as it was: {ids}": "{count} anúncio não pôde ser lido e ficou como estava: {ids}",
    "{count} listings could not be read and were left as they were: {ids}": "{count} anúncios não puderam ser lidos e ficaram como estavam: {ids}",
    "stock is not written: {problem}": "o estoque não é gravado: {problem}",
    "first orders sync: the sales closed after each product's stock count are taken off the ERP (orders read "
    "since {since})": "primeira sincronização de pedidos: as vendas fechadas depois da contagem do estoque de cada produto são "
    "baixadas do ERP (pedidos lidos desde {since})",
    "first customers sync: the buyers of the orders since {since} are recorded": "primeira sincronização de clientes: os compradores dos pedidos desde {since} são registrados",
    "not covered: {count} product counted before {since} (orders_lookback_days {days}): {codes}; its sales "
    "before then are not taken off the ERP: import a fresh count of it (melisync erp import)": "não coberto: {count} produto contado antes de {since} (orders_lookback_days {days}): {codes}; as "
    "vendas dele antes disso não são baixadas do ERP: importe uma contagem nova dele (melisync erp import)",
    "not covered: {count} products counted before {since} (orders_lookback_days {days}): {codes}; their sales "
    "before then are not taken off the ERP: import a fresh count of them (melisync erp import)": "não cobertos: {count} produtos contados antes de {since} (orders_lookback_days {days}): {codes}; as "
    "vendas deles antes disso não são baixadas do ERP: importe uma contagem nova deles (melisync erp import)",
    "{count} sale or cancellation arrived after the plan was made (orders: {orders})": "{count} venda ou cancelamento chegou depois do plano (pedidos: {orders})",
    "{count} sales or cancellations arrived after the plan was made (orders: {orders})": "{count} vendas ou cancelamentos chegaram depois do plano (pedidos: {orders})",
    "recorded in the ERP: {recorded}, stock targets recomputed: {changed}": "registradas no ERP: {recorded}, alvos de estoque recalculados: {changed}",
    "sales recorded after the plan was made (orders: {orders})": "vendas registradas depois do plano (pedidos: {orders})",
    "listing {old} was migrated to User Products; its codes are now linked by reference code: {moves}": "o anúncio {old} migrou para Produtos do usuário; seus códigos agora se vinculam pelo código de "
    "referência: {moves}",
    # why an action was skipped (services/sync/*.py)
    "already in the ERP": "já está no ERP",
    "closed before the ERP stock was counted: already in the count": "fechada antes da contagem do estoque do ERP: já está na contagem",
    "order {order}: no stock count in the ERP for {code}; the sale is not recorded": "pedido {order}: nenhuma contagem de estoque no ERP para {code}; a venda não é registrada",
    "order {order} was closed before the ERP stock of {code} was counted and was cancelled; whether before or "
    "after the count is unknown, so the ERP stock is not changed: count the units if they came back": "o pedido {order} foi fechado antes da contagem do estoque de {code} no ERP e foi cancelado; não se sabe "
    "se antes ou depois da contagem, então o estoque do ERP não é alterado: conte as unidades se elas "
    "voltaram",
    "already in the ledger (same order, listing and variation)": "já está no estoque do ERP (mesmo pedido, anúncio e variação)",
    "not applied: the run was cancelled": "não aplicada: a execução foi cancelada",
    "not applied: the run stopped": "não aplicada: a execução parou",
    "order {order}: a Full listing; its units left Mercado Livre's warehouse, so the ERP stock is not changed": "pedido {order}: anúncio Full; as unidades saíram do armazém do Mercado Livre, então o estoque do ERP "
    "não muda",
    "order {order}: listing is not linked ({state}); the sale is not recorded in the ERP": "pedido {order}: o anúncio não está vinculado ({state}); a venda não é registrada no ERP",
    "no stock record in the ERP for {code}": "nenhum registro de estoque no ERP para {code}",
    "no reference code": "sem código de referência",
    "not imported: {why}": "não importado: {why}",
    "{code} is imported from {listing}": "{code} é importado de {listing}",
    "already carries this code": "já tem este código",
    "not attempted: its user product was not written": "não tentada: o produto do usuário dela não foi gravado",
    "multi-origin seller (warehouse_management): {problem}": "vendedor multiorigem (warehouse_management): {problem}",
    "multi-origin seller: the warehouses were not read, nothing is written": "vendedor multiorigem: os depósitos não foram lidos, nada é gravado",
    "the seller has {count} warehouses and none is chosen: {how} (choices: {choices})": "o vendedor tem {count} depósitos e nenhum foi escolhido: {how} (opções: {choices})",
    "run `melisync config set warehouse <store_id>`": "execute `melisync config set warehouse <store_id>`",
    # input bounds and damaged files (services/sync/stock.py, services/store/storage.py)
    "the ERP stock of {code} ({balance}) is above max_stock ({most}): fix the count, or `melisync config set "
    "max_stock N`": "o estoque ERP de {code} ({balance}) passa de max_stock ({most}): corrija a contagem, ou `melisync config "
    "set max_stock N`",
    "{file} could not be read ({problem}): its last good copy {copy} (saved {when} UTC) was used and is put back "
    "at the next write; what changed after it is read again from Mercado Livre ({lost})": "{file} não pôde ser lido ({problem}): a última cópia boa {copy} (salva em {when} UTC) foi usada e volta "
    "ao lugar na próxima gravação; o que mudou depois dela é lido de novo do Mercado Livre ({lost})",
    "rows ignored or codes accepted after it must be done again": "linhas ignoradas ou códigos aceitos depois dela precisam ser refeitos",
    "runs journaled after it are not listed": "execuções registradas depois dela não aparecem",
    # multi-warehouse sellers, Mercado Livre kits, and stock that moved while writing (issue 10)
    "a Mercado Livre kit: its stock is computed from its components' stock; melisync writes the components, "
    "never the kit": "kit do Mercado Livre: o estoque é calculado a partir do estoque dos componentes; o melisync grava os "
    "componentes, nunca o kit",
    "a Mercado Livre kit: its units are its components' and are not imported": "kit do Mercado Livre: as unidades são as dos componentes e não são importadas",
    "order {order}: a Mercado Livre kit; its units are recorded through the orders of its components": "pedido {order}: kit do Mercado Livre; as unidades são registradas pelos pedidos dos componentes",
    "the stock of user product {up} could not be read: nothing is written": "o estoque do produto do usuário {up} não pôde ser lido: nada é gravado",
    "warehouse {store} has no stock location for user product {up} yet: this write creates it": "o depósito {store} ainda não tem local de estoque para o produto do usuário {up}: esta gravação o cria",
    "other warehouses hold {others}, Full holds {full} (read, never written)": "outros depósitos têm {others}, o Full tem {full} (lidos, nunca gravados)",
    "other warehouses hold {others} (read, never written)": "outros depósitos têm {others} (lidos, nunca gravados)",
    "Full holds {full} (read, never written)": "o Full tem {full} (lido, nunca gravado)",
    "warehouse {store} of user product {up}: {before} -> {after}": "depósito {store} do produto do usuário {up}: {before} -> {after}",
    "warehouse {store} of user product {up} already holds {quantity}": "o depósito {store} do produto do usuário {up} já tem {quantity}",
    "the stock of {count} user product could not be read; its listings are not written this run: {ids}": "o estoque de {count} produto do usuário não pôde ser lido; os anúncios dele não são gravados nesta "
    "execução: {ids}",
    "the stock of {count} user products could not be read; their listings are not written this run: {ids}": "o estoque de {count} produtos do usuário não pôde ser lido; os anúncios deles não são gravados nesta "
    "execução: {ids}",
    "the stock moved while writing ({message}): {next}": "o estoque mudou durante a gravação ({message}): {next}",
    "planned again from fresh facts below": "planejada de novo abaixo, com dados frescos",
    "it moved again: the next run settles it": "mudou de novo: a próxima execução acerta",
    "planned again from fresh facts after the writes: {why}": "planejada de novo com dados frescos depois das gravações: {why}",
    "{count} write answered that the stock had moved (409)": "{count} gravação respondeu que o estoque tinha mudado (409)",
    "{count} writes answered that the stock had moved (409)": "{count} gravações responderam que o estoque tinha mudado (409)",
    "sales recorded while writing (orders: {orders})": "vendas registradas durante a gravação (pedidos: {orders})",
    "{why}: {count} stock target planned again and written": "{why}: {count} alvo de estoque planejado de novo e gravado",
    "{why}: {count} stock targets planned again and written": "{why}: {count} alvos de estoque planejados de novo e gravados",
    "{count} sale or cancellation arrived after the plan was made (orders: {orders}), while the stock was "
    "being written: nothing to write again": "{count} venda ou cancelamento chegou depois do plano (pedidos: {orders}), durante a gravação do "
    "estoque: nada a gravar de novo",
    "{count} sales or cancellations arrived after the plan was made (orders: {orders}), while the stock was "
    "being written: nothing to write again": "{count} vendas ou cancelamentos chegaram depois do plano (pedidos: {orders}), durante a gravação do "
    "estoque: nada a gravar de novo",
    # units held by orders confirmed but not paid yet (services/sync/holds.py)
    "the ERP stock ({balance}) less the units held by orders not paid yet ({units}, orders: {orders}) is what "
    "can be sold": "o estoque no ERP ({balance}) menos as unidades reservadas por pedidos ainda não pagos ({units}, pedidos: "
    "{orders}) é o que pode ser vendido",
    "units held by orders confirmed but not paid yet are kept off the listings until paid (then recorded as "
    "sales) or cancelled (units: {units}, orders: {holders}); code: units (orders): {holds}": "unidades reservadas por pedidos confirmados mas ainda não pagos ficam fora dos anúncios até o pagamento "
    "(então registradas como vendas) ou o cancelamento (unidades: {units}, pedidos: {holders}); código: "
    "unidades (pedidos): {holds}",
    "the units held by orders not paid yet changed after the plan was made (orders: {orders})": "as unidades reservadas por pedidos ainda não pagos mudaram depois do plano (pedidos: {orders})",
    "the units held by orders not paid yet changed after the plan was made (orders: {orders}), while the stock "
    "was being written: nothing to write again": "as unidades reservadas por pedidos ainda não pagos mudaram depois do plano (pedidos: {orders}), durante "
    "a gravação do estoque: nada a gravar de novo",
    "orders not paid yet changed after the plan was made (orders: {orders})": "pedidos ainda não pagos mudaram depois do plano (pedidos: {orders})",
    "orders not paid yet changed while writing (orders: {orders})": "pedidos ainda não pagos mudaram durante a gravação (pedidos: {orders})",
    "variation {ids} is no longer on the live listing": "a variação {ids} não está mais no anúncio publicado",
    "variations {ids} are no longer on the live listing": "as variações {ids} não estão mais no anúncio publicado",
}
