"""pt_BR for messages the services raise that the operator reads in the TUI (exact English text).

The TUI looks every error message up with `_()`; a message not listed here shows in English.
`tests/tui/test_i18n.py` checks each entry still matches a message in `services/`.
"""

PT_BR = {
    "no client_id configured: run `melisync config set client_id <APP ID>` first": "falta o client_id: execute `melisync config set client_id <APP ID>` primeiro",
    "no redirect_uri configured: run `melisync config set redirect_uri <URL>` "
    "(exactly the one registered on your Mercado Livre application)": "falta a redirect_uri: execute `melisync config set redirect_uri <URL>` "
    "(exatamente a registrada no seu aplicativo do Mercado Livre)",
    "no client secret: run `melisync config set-secret` first (it reads the secret from stdin)": "falta o client secret: execute `melisync config set-secret` primeiro (ele lê o segredo da entrada padrão)",
    "no connect attempt is in progress: run `melisync connect` and paste the URL it leads to": "nenhuma conexão em andamento: comece de novo (tecla c) e cole o endereço a que ela leva",
    "this connect attempt is more than 30 minutes old: run `melisync connect` again": "esta tentativa de conexão tem mais de 30 minutos: comece de novo (tecla c)",
    "nothing was pasted: paste the address your browser ended on after authorizing (or the code)": "nada foi colado: cole o endereço em que o navegador parou depois de autorizar (ou o código)",
    "the authorization was refused on Mercado Livre (access_denied); run `melisync connect` again and choose to "
    "allow melisync, logged in as the account's administrator": "a autorização foi recusada no Mercado Livre (access_denied); comece de novo (tecla c) e permita o "
    "melisync, entrando como administrador da conta",
    "the pasted URL has no state: paste the complete address, including everything after '?'": "o endereço colado não tem state: cole o endereço completo, com tudo o que vem depois do '?'",
    "the state in the pasted URL does not belong to this connect attempt (an older link, or someone else's): "
    "open the URL printed by this `melisync connect` and paste where it leads": "o state do endereço colado não é desta tentativa de conexão (um link antigo, ou de outra pessoa): "
    "abra o endereço mostrado acima e cole aquele a que ele leva",
    "the pasted URL has no code: paste the address after authorizing, including `code=...`": "o endereço colado não tem code: cole o endereço depois de autorizar, incluindo `code=...`",
    "client_id or redirect_uri changed since this connect attempt began: run `melisync connect` again": "o client_id ou a redirect_uri mudaram desde o início desta tentativa: comece de novo (tecla c)",
    "the pasted text is malformed: it is neither the redirect URL nor an authorization code; paste the whole "
    "address your browser ended on after you clicked to authorize": "o texto colado está malformado: não é nem o endereço de retorno nem um código de autorização; cole o "
    "endereço inteiro em que o navegador parou depois que você clicou para autorizar",
    "no Mercado Livre account is connected: nothing to unlink": "nenhuma conta do Mercado Livre está conectada: nada a desvincular",
}
