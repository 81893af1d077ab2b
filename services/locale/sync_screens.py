"""pt_BR for the linked products, variation mapping, sync (plan, progress) and sync logs screens."""

PT_BR = {
    # linked products: states, columns, keys
    "Filter": "Filtro",
    "linked": "vinculado",
    "no ref.": "sem ref.",
    "unknown": "desconhec.",
    "lost": "perdido",
    "structure": "estrutura",
    "not writ.": "não grav.",
    "ignored": "ignorado",
    "State": "Estado",
    "Listing": "Anúncio",
    "Variation": "Variação",
    "ERP code": "Código ERP",
    "ERP": "ERP",
    "ML": "ML",
    "Diff": "Dif.",
    "Title": "Título",
    "ERP name": "Nome no ERP",
    "Reference code": "Código de referência",
    "Show linked rows": "Mostrar as vinculadas",
    "Show rows without a reference code": "Mostrar as sem código de referência",
    "Show codes the ERP does not know": "Mostrar códigos que o ERP não conhece",
    "Show lost links (code changed)": "Mostrar vínculos perdidos (código mudou)",
    "Show structure mismatches": "Mostrar estruturas diferentes",
    "Show rows whose stock cannot be written": "Mostrar as com estoque não gravável",
    "Show ignored rows": "Mostrar as ignoradas",
    "Show every row": "Mostrar todas",
    "Search": "Buscar",
    "Sort": "Ordenar",
    "Reverse order": "Inverter ordem",
    "Write code": "Gravar código",
    "Accept new code": "Aceitar novo código",
    "Ignore / unignore": "Ignorar / reativar",
    "Sync…": "Sincronizar…",
    "Clear search": "Limpar busca",
    "Search: listing, code, title…": "Buscar: anúncio, código, título…",
    "Reading the linked products…": "Lendo os produtos vinculados…",
    "No links yet: run a sync (S) to read your listings.":
        "Nenhum vínculo ainda: sincronize (S) para ler seus anúncios.",
    "{total} of {everything} links": "{total} de {everything} vínculos",
    "rows {first}–{last}": "linhas {first}–{last}",
    "sorted by {column} {arrow}": "ordem: {column} {arrow}",
    "search: {text}": "busca: {text}",
    "variation": "variação",
    "code on Mercado Livre": "código no Mercado Livre",
    "Write this reference code?": "Gravar este código de referência?",
    "Write": "Gravar",
    "Accept the new reference code?": "Aceitar o novo código de referência?",
    "{row}: Mercado Livre now carries {new} instead of {old}. Link the row by {new} at the next sync? "
    "Nothing is written to Mercado Livre.":
        "{row}: o Mercado Livre agora tem {new} em vez de {old}. Vincular a linha por {new} na próxima "
        "sincronização? Nada é gravado no Mercado Livre.",
    # reference code modal
    "Write a reference code": "Gravar um código de referência",
    "Now on Mercado Livre: {code}": "Hoje no Mercado Livre: {code}",
    "New reference code (the ERP code), then Enter:": "Novo código de referência (o código do ERP) e Enter:",
    "Next": "Avançar",
    "Type a code, or press Esc to cancel.": "Digite um código, ou tecle Esc para cancelar.",
    "That is the code it already has.": "Esse já é o código atual.",
    "Listing: {listing} {title}": "Anúncio: {listing} {title}",
    "Variation: {variation} ({label})": "Variação: {variation} ({label})",
    "Reference code: {old} -> {new}": "Código de referência: {old} -> {new}",
    "Written to Mercado Livre as the reference code (SELLER_SKU) of this listing or variation only; its other "
    "variations, stock and price are not changed.":
        "Gravado no Mercado Livre como código de referência (SELLER_SKU) só deste anúncio ou variação; as "
        "outras variações, o estoque e o preço não mudam.",
    # variation mapping
    "not on ML": "fora do ML",
    "Variation on Mercado Livre": "Variação no Mercado Livre",
    "ERP composition": "Composição ERP",
    "ERP attributes": "Atributos no ERP",
    "Convert to variations": "Converter em variações",
    "Back to the links": "Voltar aos vínculos",
    "(no variations)": "(sem variações)",
    "ERP product": "Produto ERP",
    "none linked": "nenhum vinculado",
    "Choose a listing on the linked products screen and press Enter.":
        "Escolha um anúncio na tela de produtos vinculados e tecle Enter.",
    "Structure mismatch": "Estrutura diferente",
    "the ERP product {code} has no compositions while the listing has {count} variations. Press v to give it "
    "one composition per variation (its stock movements are zeroed; you see how many first).":
        "o produto {code} do ERP não tem composições e o anúncio tem {count} variações. Tecle v para criar "
        "uma composição por variação (as movimentações de estoque são zeradas; antes você vê quantas).",
    "Convert to variations?": "Converter em variações?",
    "Convert": "Converter",
    "ERP product {code} gets {count} compositions: {codes}.\n\nThis zeroes its {movements} stock movements "
    "(stock {balance} -> 0) with one reset movement in the ledger. The compositions start without stock. "
    "This cannot be undone from melisync.":
        "O produto {code} do ERP ganha {count} composições: {codes}.\n\nIsso zera as suas {movements} "
        "movimentações de estoque (estoque {balance} -> 0) com uma movimentação de zeragem. As composições "
        "começam sem estoque. Não dá para desfazer pelo melisync.",
    "{code} now has {count} compositions; {movements} stock movements zeroed. Run a sync to link the variations.":
        "{code} agora tem {count} composições; {movements} movimentações zeradas. Sincronize para vincular "
        "as variações.",
    "The listing's ERP product is not in the catalogue.": "O produto ERP do anúncio não está no catálogo.",
    "The listing has no variations: add them on Mercado Livre, or link it to one composition.":
        "O anúncio não tem variações: crie-as no Mercado Livre, ou vincule-o a uma composição.",
    "The ERP product has these compositions now: run a sync to link the variations.":
        "O produto ERP já tem estas composições: sincronize para vincular as variações.",
    "The ERP product already has compositions: fix the variations' reference codes instead.":
        "O produto ERP já tem composições: corrija os códigos de referência das variações.",
    "Every variation needs its own reference code first (r on the linked products screen).":
        "Cada variação precisa antes do seu código de referência (r na tela de produtos vinculados).",
    "The variations' reference codes repeat or are already used in the ERP.":
        "Os códigos de referência das variações se repetem ou já existem no ERP.",
    "Nothing to convert: there is no structure mismatch.": "Nada a converter: a estrutura não diverge.",
    # sync: choose, plan, progress
    "Sync what?": "Sincronizar o quê?",
    "Sync: {kind}": "Sincronizar: {kind}",
    "Products: listings whose code the ERP lacks become ERP products":
        "Produtos: anúncios cujo código falta no ERP viram produtos do ERP",
    "Stock: record new sales, then send ERP stock to Mercado Livre":
        "Estoque: registrar as vendas novas e enviar o estoque do ERP ao Mercado Livre",
    "Customers: record new sales and their buyers": "Clientes: registrar as vendas novas e seus compradores",
    "All: products, then sales and customers, then stock": "Tudo: produtos, depois vendas e clientes, depois estoque",
    "You see the plan before anything is written. Esc cancels.":
        "Você vê o plano antes de qualquer gravação. Esc cancela.",
    "Sync plan": "Plano de sincronização",
    "Apply": "Aplicar",
    "Drop plan": "Descartar plano",
    "Only to do": "Só a fazer",
    "Sync plan: {kind} (run {run_id}) — nothing written yet":
        "Plano de sincronização: {kind} (execução {run_id}) — nada gravado ainda",
    "{todo} to do: {ml} writes to Mercado Livre, {erp} changes in the ERP":
        "{todo} a fazer: {ml} gravações no Mercado Livre, {erp} alterações no ERP",
    "{planned} to do, {done} done, {failed} failed, {skipped} skipped, {unchanged} already equal":
        "{planned} a fazer, {done} feitas, {failed} com falha, {skipped} puladas, {unchanged} já iguais",
    "{shown} of {total} actions shown": "{shown} de {total} ações exibidas",
    "Apply this plan?": "Aplicar este plano?",
    "Apply run {run_id}: {ml} writes to Mercado Livre and {erp} changes in the ERP. Every write is journaled; "
    "you can cancel while it runs.":
        "Aplicar a execução {run_id}: {ml} gravações no Mercado Livre e {erp} alterações no ERP. Toda gravação "
        "fica registrada; dá para cancelar durante a execução.",
    "A plan is waiting for you: apply it or drop it first.": "Há um plano esperando: aplique ou descarte antes.",
    "import product": "importar produto",
    "import variation": "importar variação",
    "sale": "venda",
    "counted sale": "venda contada",
    "sale cancelled": "venda cancelada",
    "customer": "cliente",
    "reference code": "código de ref.",
    "ref. code": "cód. ref.",
    "to do": "a fazer",
    "skipped": "pulada",
    "done": "feita",
    "FAILED": "FALHOU",
    "Action": "Ação",
    "Change": "Mudança",
    "Why": "Motivo",
    "Computing the plan (reading only)": "Calculando o plano (só leitura)",
    "Plan ready": "Plano pronto",
    "Applying the plan": "Aplicando o plano",
    "Finished": "Concluída",
    "No sync under way": "Nenhuma sincronização em andamento",
    "Sync": "Sincronização",
    "Cancel sync": "Cancelar sincronização",
    "Hide (keeps running)": "Ocultar (continua rodando)",
    "{done} of {total} actions: {ok} done, {failed} failed, {skipped} skipped":
        "{done} de {total} ações: {ok} feitas, {failed} com falha, {skipped} puladas",
    "listings": "anúncios",
    "orders": "pedidos",
    "Reading listings…": "Lendo os anúncios…",
    "Reading {what}: {done} of {total}": "Lendo {what}: {done} de {total}",
    "Reading {what}…": "Lendo {what}…",
    "Applying…": "Aplicando…",
    "Cancelling: the writes under way finish, the rest are not made…":
        "Cancelando: as gravações em curso terminam, as demais não são feitas…",
    "A sync is already under way; wait for it to end.": "Já há uma sincronização em andamento; aguarde o fim.",
    "Sync finished": "Sincronização terminada",
    "Cancelling: nothing was written.": "Cancelando: nada foi gravado.",
    "Sync cancelled while planning: nothing was written.":
        "Sincronização cancelada durante o plano: nada foi gravado.",
    "Quit during a sync?": "Sair durante uma sincronização?",
    "A sync is being applied. Quit anyway? The writes under way finish, the rest are not made, and the run is "
    "journaled as cancelled before melisync closes.":
        "Uma sincronização está sendo aplicada. Sair mesmo assim? As gravações em curso terminam, as demais não "
        "são feitas, e a execução fica registrada como cancelada antes de o melisync fechar.",
    "Run {run_id} ({kind}) {status}: {done} done, {failed} failed, {skipped} skipped, {unchanged} unchanged.":
        "Execução {run_id} ({kind}) {status}: {done} feitas, {failed} com falha, {skipped} puladas, "
        "{unchanged} sem mudança.",
    "First error: {error}": "Primeiro erro: {error}",
    "Plan dropped: nothing was written.": "Plano descartado: nada foi gravado.",
    # links actions (workers)
    "{count} row ignored.": "{count} linha ignorada.",
    "{count} rows ignored.": "{count} linhas ignoradas.",
    "{count} row no longer ignored.": "{count} linha reativada.",
    "{count} rows no longer ignored.": "{count} linhas reativadas.",
    "New code accepted: the row is linked by it at the next sync.":
        "Novo código aceito: a linha é vinculada por ele na próxima sincronização.",
    "Reference code {code} written to {row} (run {run_id}); the row is linked by it at the next sync.":
        "Código de referência {code} gravado em {row} (execução {run_id}); a linha é vinculada por ele na "
        "próxima sincronização.",
    "Reference code not written to {row}: {reason}": "Código de referência não gravado em {row}: {reason}",
    "Nothing to write: {reason}": "Nada a gravar: {reason}",
    "Reading the listing's reference code": "Leitura do código de referência do anúncio",
    "There is no run {run_id} in the journal.": "Não há execução {run_id} no registro.",
    # worker descriptions (shown when one fails)
    "Reading the linked products": "Leitura dos produtos vinculados",
    "Saving the ignored rows": "Gravação das linhas ignoradas",
    "Accepting the new reference code": "Aceite do novo código de referência",
    "Writing the reference code": "Gravação do código de referência",
    "Reading the variation mapping": "Leitura das variações",
    "Converting the ERP product to compositions": "Conversão do produto ERP em composições",
    "Computing the sync plan": "Cálculo do plano de sincronização",
    "Applying the sync": "Aplicação da sincronização",
    "Dropping the sync plan": "Descarte do plano de sincronização",
    "Reading the sync logs": "Leitura dos registros",
    "Reading a sync run": "Leitura de uma execução",
    # sync logs
    "Run": "Exec.",
    "Started": "Início",
    "Kind": "Tipo",
    "Took": "Duração",
    "Done": "Feitas",
    "Failed": "Falhas",
    "Skipped": "Puladas",
    "Errors": "Erros",
    "Errors only": "Só erros",
    "Back": "Voltar",
    "Sync run": "Execução",
    "No sync yet: press S to plan one (nothing is written before you confirm).":
        "Nenhuma sincronização ainda: tecle S para planejar uma (nada é gravado antes de você confirmar).",
    "{shown} of {total} runs: only those with errors (e shows all)":
        "{shown} de {total} execuções: só as com erros (e mostra todas)",
    "Run {run_id}": "Execução {run_id}",
    "Run {run_id}: {kind}, {status}, {when} ({took})": "Execução {run_id}: {kind}, {status}, {when} ({took})",
    "(failed only: e shows all)": "(só falhas: e mostra todas)",
    "Skipped as before": "Puladas como antes",
    "{count} skipped as before (as in run {run_id}): b lists them":
        "{count} puladas como antes (como na execução {run_id}): b as lista",
    "(skipped as before: b shows the run's own)": "(puladas como antes: b mostra as da própria execução)",
}
