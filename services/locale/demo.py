"""pt_BR for what only `melisync demo` shows: playing the seller on the sandbox."""

PT_BR = {
    "Simulate: seller edits code": "Simular edição do vendedor",
    "Demo only: the seller edits this row's reference code on Mercado Livre; the next sync shows it as a lost link": "Só na demonstração: o vendedor edita o código de referência desta linha no Mercado Livre; a próxima "
    "sincronização mostra o vínculo perdido",
    "Simulating the seller's edit": "Simulação da edição do vendedor",
    "Demo: the seller changed the reference code of {row} on Mercado Livre from {old} to {new}. "
    "Run a sync (S) to see the row as a lost link, then fix it with r or c.": "Demonstração: o vendedor mudou o código de referência de {row} no Mercado Livre de {old} para {new}. "
    "Sincronize (S) para ver a linha como vínculo perdido e corrija com r ou c.",
    "Demo: choose a linked row (l shows them); only a linked row can lose its link.": "Demonstração: escolha uma linha vinculada (l as mostra); só uma linha vinculada pode perder o vínculo.",
}
