"""pt_BR for the App shell: modes, keys, help, palette, confirmations, errors from workers."""

PT_BR = {
    # modes and app keys
    "Screens": "Telas",
    "Help": "Ajuda",
    "{key} help": "{key} ajuda",
    "{key} quit": "{key} sair",
    "Quit": "Sair",
    # Textual's own bindings that the footer, help or palette show
    "palette": "paleta",
    "Focus Next": "Próximo campo",
    "Focus Previous": "Campo anterior",
    "Copy selected text": "Copiar o texto selecionado",
    "Go to: {screen}": "Ir para: {screen}",
    "Help: list every key": "Ajuda: todas as teclas",
    "Linked products": "Produtos vinculados",
    "Variation mapping": "Variações",
    "Sync logs": "Registros",
    "This screen is not built yet.": "Esta tela ainda não está pronta.",
    # help
    "Keys": "Teclas",
    "Key": "Tecla",
    "Does": "Faz",
    "Id (for keymap.toml)": "Id (para keymap.toml)",
    "Close": "Fechar",
    "{action} (not available now)": "{action} (indisponível agora)",
    "On this screen ({title})": "Nesta tela ({title})",
    "Everywhere": "Em todas as telas",
    "(no keys of its own)": "(nenhuma tecla própria)",
    "ctrl+p opens the command palette. To change a key, write the id and the new keys in {path}, "
    'e.g. "connection.connect" = "c,ctrl+k".': "ctrl+p abre a paleta de comandos. Para trocar uma tecla, escreva o id e as novas teclas em {path}, "
    'por exemplo "connection.connect" = "c,ctrl+k".',
    # confirmations
    "Yes": "Sim",
    "No": "Não",
    "{label} ({key})": "{label} ({key})",  # a confirmation button and its key: "Gravar (s)"
    "Cancel": "Cancelar",
    "Type {word} to confirm:": "Digite {word} para confirmar:",
    "That is not {word}. Type it exactly, or press Esc to cancel.": "Não é {word}. Digite exatamente, ou tecle Esc para cancelar.",
    # errors and start-up
    "{what} failed": "Falha: {what}",
    "Unexpected error ({kind}). Nothing was written by this step.": "Erro inesperado ({kind}). Esta etapa não gravou nada.",
    "Ignoring {path}: {error}": "Ignorando {path}: {error}",
    # dates: the format itself is translated
    "{when:%Y-%m-%d %H:%M}": "{when:%d/%m/%Y %H:%M}",
    "{when:%m-%d %H:%M}": "{when:%d/%m %H:%M}",
    "expired": "expirado",
    "in {days} days": "em {days} dias",
    "in {hours} h {minutes} min": "em {hours} h {minutes} min",
    "in {minutes} min": "em {minutes} min",
}
