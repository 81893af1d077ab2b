"""The HTML of the sandbox's authorization page ("Autorizar este aplicativo") and its error page."""

from __future__ import annotations

from html import escape

_STYLE = (
    "body{font-family:sans-serif;max-width:40em;margin:3em auto;color:#333}"
    "button{font-size:1.1em;padding:.5em 1.2em;margin-right:1em}"
    ".allow{background:#3483fa;color:#fff;border:0;border-radius:6px}"
    "pre{background:#f5f5f5;padding:1em;white-space:pre-wrap;word-break:break-all}"
)


def consent_page(*, nickname: str, client_id: str, tx: str, decision_url: str) -> str:
    # No quote or ampersand in it, so the line reads the same in the raw HTML that `curl -si` prints.
    curl = f"curl -si -X POST -d tx={tx} -d decision=allow {decision_url}"
    return f"""<!doctype html>
<html lang="pt-BR"><head><meta charset="utf-8"><title>Mercado Livre (sandbox) - Autorização</title>
<style>{_STYLE}</style></head><body>
<h1>Mercado Livre <small>(sandbox)</small></h1>
<p>Olá, <strong>{escape(nickname)}</strong>.</p>
<p>O aplicativo <strong>melisync</strong> (client_id {escape(client_id)}) quer acessar a sua conta:
ler e alterar seus anúncios e consultar suas vendas.</p>
<form method="post" action="{escape(decision_url)}">
<input type="hidden" name="tx" value="{escape(tx)}">
<button class="allow" type="submit" name="decision" value="allow">Autorizar este aplicativo</button>
<button type="submit" name="decision" value="deny">Cancelar</button>
</form>
<p>Testando de um terminal? Este comando autoriza e mostra o redirecionamento (cabeçalho
<code>Location</code>) com o código:</p>
<pre>{escape(curl)}</pre>
</body></html>
"""


def error_page(message: str) -> str:
    return f"""<!doctype html>
<html lang="pt-BR"><head><meta charset="utf-8"><title>Mercado Livre (sandbox) - Erro</title>
<style>{_STYLE}</style></head><body>
<h1>Mercado Livre <small>(sandbox)</small></h1>
<p><strong>Desculpe, a aplicação não pode se conectar à sua conta.</strong></p>
<p>{escape(message)}</p>
</body></html>
"""
