"""pt_BR for the connection screen, the connect modal and unlink (S1, S9)."""

PT_BR = {
    "Connection": "Conexão",
    "Connect": "Conectar",
    "Unlink": "Desvincular",
    "Refresh": "Atualizar",
    "Connect (c)": "Conectar (c)",
    "Unlink (u)": "Desvincular (u)",
    "Account": "Conta",
    "Last runs": "Últimas sincronizações",
    "Watch (melisync watch)": "Vigia (melisync watch)",
    "Not started: `melisync watch` on the server keeps the stock in step by itself":
        "Não iniciado: `melisync watch` no servidor mantém o estoque em dia sozinho",
    "Running (process {pid}, every {every} s)": "Rodando (processo {pid}, a cada {every} s)",
    "Stopped: Mercado Livre needs a new authorization (press c), then start it again":
        "Parado: o Mercado Livre pede uma nova autorização (tecle c), depois inicie de novo",
    "Stopped": "Parado",
    "Last tick": "Última verificação",
    "Last sale booked": "Última venda lançada",
    "{when} (order {order}, {code})": "{when} (pedido {order}, {code})",
    "Last write": "Última escrita",
    "{when} (run {run}, {writes} listing)": "{when} (sincronização {run}, {writes} anúncio)",
    "{when} (run {run}, {writes} listings)": "{when} (sincronização {run}, {writes} anúncios)",
    "Next full sync": "Próxima sincronização completa",
    "Errors (last hour)": "Erros (última hora)",
    "{count} (last: {error})": "{count} (último: {error})",
    "{when:%Y-%m-%d %H:%M:%S}": "{when:%d/%m/%Y %H:%M:%S}",
    "Status": "Situação",
    "Connected": "Conectada",
    "Not connected: press c to connect": "Não conectada: tecle c para conectar",
    "Authorization expired: press c to connect again": "Autorização expirada: tecle c para conectar de novo",
    "{nickname} (id {user_id})": "{nickname} (id {user_id})",
    "Site": "Site",
    "Token expires": "Token expira",
    "Capabilities": "Recursos da conta",
    "yes": "sim",
    "no": "não",
    "Demo": "Demonstração",
    "press c, then ctrl+o to approve on the sandbox, then Enter":
        "tecle c, depois ctrl+o para aprovar no sandbox, depois Enter",
    "User products (one listing per variant)": "Produtos do usuário (um anúncio por variante)",
    "Warehouse management (stock per warehouse)": "Gestão de armazéns (estoque por armazém)",
    "Several warehouses": "Vários armazéns",
    "Test user": "Usuário de teste",
    "Secrets stored in": "Segredos guardados em",
    "nothing stored yet": "nada guardado ainda",
    "environment variable": "variável de ambiente",
    "file": "arquivo",
    "system keyring": "chaveiro do sistema",
    "Mercado Livre": "Mercado Livre",
    "(demo sandbox)": "(sandbox de demonstração)",
    "Set-up": "Configuração",
    "No client id yet: run `melisync config set client_id ...` and `melisync config set-secret`":
        "Falta o client id: execute `melisync config set client_id ...` e `melisync config set-secret`",
    "Reading the connection…": "Lendo a conexão…",
    "Could not read the sync journal: {error}": "Não foi possível ler o registro de sincronizações: {error}",
    # last runs
    "products": "produtos",
    "stock": "estoque",
    "customers": "clientes",
    "all": "tudo",
    "never": "nunca",
    "running": "em andamento",
    "finished": "concluída",
    "failed": "com falhas",
    "cancelled": "cancelada",
    "interrupted": "interrompida",
    "{when}  {status}: {done} done, {skipped} skipped, {failed} failed":
        "{when}  {status}: {done} feitas, {skipped} puladas, {failed} com falha",
    # connect modal
    "Connect a Mercado Livre account": "Conectar uma conta do Mercado Livre",
    "1. Open this address in a browser signed in to the seller account (the administrator) and press "
    "\"Autorizar este aplicativo\":":
        "1. Abra este endereço num navegador com a conta do vendedor (a administradora) e clique em "
        "\"Autorizar este aplicativo\":",
    "2. Paste the address the browser ended on (or just the code) and press Enter:":
        "2. Cole o endereço em que o navegador parou (ou só o código) e tecle Enter:",
    "https://…?code=TG-…&state=…": "https://…?code=TG-…&state=…",
    "Copy URL": "Copiar URL",
    "Approve (demo)": "Aprovar (demo)",
    "Authorization URL copied to the clipboard (if your terminal allows it).":
        "URL de autorização copiada para a área de transferência (se o seu terminal permitir).",
    "Paste the address from the browser (or the code) first.": "Cole primeiro o endereço do navegador (ou o código).",
    "Checking the authorization with Mercado Livre…": "Conferindo a autorização com o Mercado Livre…",
    "Approving on the sandbox…": "Aprovando no sandbox…",
    "Approved on the sandbox. Press Enter to connect.": "Aprovado no sandbox. Tecle Enter para conectar.",
    "Approving for you only works in `melisync demo`.": "A aprovação automática só funciona no `melisync demo`.",
    "Connected as {nickname}.": "Conectado como {nickname}.",
    # workers
    "Reading the connection": "Leitura da conexão",
    "Starting the authorization": "Início da autorização",
    "Connecting the account": "Conexão da conta",
    "Approving on the sandbox": "Aprovação no sandbox",
    "Unlinking the account": "Desvinculação da conta",
    # unlink (S9)
    "Unlink the Mercado Livre account": "Desvincular a conta do Mercado Livre",
    "UNLINK": "DESVINCULAR",
    "Also delete the local data (purge)":
        "Apagar também os dados locais (purge)",
    "This will remove:": "Será removido:",
    "This will keep:": "Será mantido:",
    "the authorization on Mercado Livre (the grant is revoked)":
        "a autorização no Mercado Livre (a permissão é revogada)",
    "the access and refresh tokens stored here": "os tokens de acesso e de renovação guardados aqui",
    "your listings on Mercado Livre: nothing there is changed or deleted":
        "seus anúncios no Mercado Livre: nada lá é alterado ou apagado",
    "the ERP catalogue and its stock movements": "o catálogo do ERP e suas movimentações de estoque",
    "the links": "os vínculos",
    "the sync journal": "o registro de sincronizações",
    "Unlinked: the authorization was revoked on Mercado Livre and the tokens deleted.":
        "Desvinculado: a autorização foi revogada no Mercado Livre e os tokens apagados.",
    "Unlinked locally: the tokens were deleted here (Mercado Livre was not asked).":
        "Desvinculado localmente: os tokens foram apagados aqui (o Mercado Livre não foi consultado).",
    "Local data deleted too.": "Os dados locais também foram apagados.",
    "Revoke failed": "A revogação falhou",
    "Remove local tokens": "Remover tokens locais",
    "Mercado Livre did not confirm the revoke: {reason}\n\nRemove the tokens stored here anyway? "
    "The authorization may stay active on Mercado Livre until you remove it there "
    "(Minha conta > Segurança > Aplicativos).":
        "O Mercado Livre não confirmou a revogação: {reason}\n\nRemover mesmo assim os tokens guardados aqui? "
        "A autorização pode continuar ativa no Mercado Livre até você removê-la por lá "
        "(Minha conta > Segurança > Aplicativos).",
}
