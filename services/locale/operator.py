"""pt_BR for the operator's terminal: run statuses, where secrets live, empty-table hints, cancel, exports,
settings (issue 14's texts)."""

PT_BR = {
    "dry run": "simulação",
    "waiting for confirmation": "aguardando confirmação",
    "client secret": "segredo do cliente",
    "tokens": "tokens",
    "{what}: {store}": "{what}: {store}",
    " and ": " e ",
    "No client id yet: set the application's client id, redirect address and client secret (see the README's "
    "server set-up).":
        "Ainda sem client id: defina o client id do aplicativo, o endereço de retorno e o segredo do cliente "
        "(veja a configuração de servidor no README).",
    "No row is {state} now: a shows every row.": "Nenhuma linha está como {state} agora: a mostra todas.",
    "No row is {state} and matches \"{text}\": Esc clears the search, a shows every state.":
        "Nenhuma linha está como {state} e contém \"{text}\": Esc limpa a busca, a mostra todos os estados.",
    "No row matches \"{text}\": Esc clears the search.": "Nenhuma linha contém \"{text}\": Esc limpa a busca.",
    "Sync cancelled": "Sincronização cancelada",
    "Cancelled after {done} of {total} actions; the rest were not made.":
        "Cancelada depois de {done} de {total} ações; as demais não foram feitas.",
    "Mapping": "Mapear",
    "Open the row's variation mapping": "Abrir o mapeamento de variações da linha",
    "Ignore": "Ignorar",
    "Next rows": "Próximas linhas",
    "Previous rows": "Linhas anteriores",
    "Connect the Mercado Livre account": "Conectar a conta do Mercado Livre",
    "Demo: edit code": "Demo: mudar código",
    "about {minutes} min {seconds} s left": "cerca de {minutes} min {seconds} s restantes",
    "about {seconds} s left": "cerca de {seconds} s restantes",
    "account": "a conta",
    "URL alone": "Só a URL",
    "Show the URL by itself in the terminal, as one line to select":
        "Mostrar só a URL no terminal, numa linha para selecionar",
    "Press Enter to come back to melisync.": "Tecle Enter para voltar ao melisync.",
    "This terminal cannot show the URL alone; select it above or press ctrl+y.":
        "Este terminal não consegue mostrar só a URL; selecione-a acima ou tecle ctrl+y.",
    "Exporting to CSV": "Exportando para CSV",
    "{count} row exported to {path}": "{count} linha exportada para {path}",
    "{count} rows exported to {path}": "{count} linhas exportadas para {path}",
    "Could not write the CSV in the working directory nor in the home.":
        "Não foi possível gravar o CSV nem na pasta atual nem na pasta do melisync.",
    "Export to CSV": "Exportar para CSV",
    "Every row of this filter and search, to a CSV file": "Todas as linhas deste filtro e busca, num arquivo CSV",
    "Copy listing id": "Copiar id do anúncio",
    "Copied {listing} (if your terminal allows it).": "{listing} copiado (se o terminal permitir).",
    "Go to listing": "Ir ao anúncio",
    "Type a listing id, or part of it: the cursor moves to its row":
        "Digite o id de um anúncio, ou parte dele: o cursor vai para a linha dele",
    "Listing address": "Endereço do anúncio",
    "Show the listing's address on Mercado Livre on a line of its own and copy it":
        "Mostra o endereço do anúncio no Mercado Livre numa linha só e o copia",
    "Go to listing: its id or part of it, then Enter": "Ir ao anúncio: o id ou parte dele, e Enter",
    "Looking for the listing": "Procurando o anúncio",
    "No listing matches \"{text}\".": "Nenhum anúncio corresponde a \"{text}\".",
    "\"{text}\" is hidden by the filter or search: every row is shown.":
        "\"{text}\" estava oculto pelo filtro ou pela busca: todas as linhas são mostradas.",
    "address on Mercado Livre (copied, if your terminal allows it):":
        "endereço no Mercado Livre (copiado, se o terminal permitir):",
    "Safety stock (units kept back from every listing)": "Estoque de segurança (unidades retidas de cada anúncio)",
    "Warehouse to write (store id; multi-warehouse sellers)":
        "Depósito a gravar (store id; vendedores com vários depósitos)",
    "Requests per second to Mercado Livre": "Requisições por segundo ao Mercado Livre",
    "Requests in flight at once": "Requisições simultâneas",
    "Save": "Salvar",
    "Settings": "Configurações",
    "Enter in the last field or ctrl+s saves; Esc leaves everything as it was.":
        "Enter no último campo ou ctrl+s salva; Esc deixa tudo como estava.",
    "Settings: safety stock, warehouse, rate": "Configurações: estoque de segurança, depósito, ritmo",
    "Saving the settings": "Salvando as configurações",
    "Settings saved: {keys}.": "Configurações salvas: {keys}.",
    "{count} run. Enter shows its actions and errors.": "{count} execução. Enter mostra suas ações e erros.",
    "{count} runs, newest first. Enter shows a run's actions and errors.":
        "{count} execuções, a mais recente primeiro. Enter mostra as ações e os erros de uma execução.",
    "Sort by": "Ordenar por",
    "Choose the column to sort by": "Escolher a coluna da ordem",
}
