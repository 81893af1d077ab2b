"""The command line in Brazilian Portuguese (issue 13): `--lang pt_BR` or LANG picks the language of every
command, its help and argparse's own words; the exit codes do not change and `--json` stays English.
The sync commands run against a sandbox on a real loopback socket."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cli.main import main
from sandbox.state import SandboxState
from services.i18n import set_language
from tests.fixtures.sync import cli

ERP = "code,name,price,stock,parent_code,attributes\n" + "".join(f"P{n:03d},Produto {n},10,{n},,\n" for n in range(3))


@pytest.fixture(autouse=True)
def english_after():
    """The language is the process's: the next test starts in English whatever this one chose."""
    yield
    set_language("en")


@pytest.fixture
def sandbox_state() -> SandboxState:
    state = SandboxState(listings=0, seed=0)
    for n in range(3):
        state.add_listing(f"Produto {n}", quantity=n + 5, sku=f"P{n:03d}")
    state.add_listing("Sem código", quantity=2, sku=None)
    return state


def test_help_speaks_portuguese_argparse_words_too(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--lang", "pt_BR", "--help"])
    out = capsys.readouterr().out
    assert done.value.code == 0
    assert out.startswith("uso: melisync")
    assert "opções:" in out and "mostra esta ajuda e termina" in out
    assert "planeja e aplica uma sincronização com o Mercado Livre" in out
    assert "usage:" not in out and "options:" not in out


def test_lang_from_the_environment_and_a_command_help(capsys, monkeypatch):
    monkeypatch.setenv("LANG", "pt_BR.UTF-8")
    with pytest.raises(SystemExit) as done:
        main(["sync", "--help"])
    out = capsys.readouterr().out
    assert done.value.code == 0 and "só mostra o plano; não grava nada em lugar nenhum" in out


def test_status_in_portuguese_keeps_its_exit_code(capsys, monkeypatch):
    monkeypatch.setenv("LANG", "pt_BR.UTF-8")
    code, out, _err = cli(capsys, "status")
    assert code == 3  # not connected, as in English
    assert "Mercado Livre:" in out and "não conectado: execute `melisync connect`" in out
    assert "Vínculos:" in out and "nenhum ainda (execute uma sincronização)" in out and "Vigia:" in out


def test_bad_input_is_said_in_portuguese_and_json_stays_english(capsys):
    code, out, err = cli(capsys, "--lang", "pt_BR", "log", "--run", "99")
    assert code == 2 and "melisync: não há execução 99: `melisync log` lista as execuções" in err
    code, out, err = cli(capsys, "--lang=pt_BR", "log", "--run", "99", "--json")
    assert code == 2 and "não há execução 99" in err
    assert json.loads(out)["errors"][0]["message"] == "there is no run 99: `melisync log` lists the runs"
    with pytest.raises(SystemExit) as done:
        main(["--lang", "pt_BR", "sync", "nada"])
    assert done.value.code == 2
    assert "erro: argumento TIPO: opção inválida: 'nada'" in capsys.readouterr().err  # named in Portuguese too


def test_a_setting_error_names_the_kind_of_value(capsys):
    code, _out, err = cli(capsys, "--lang", "pt_BR", "config", "set", "safety_stock", "abc")
    assert code == 2 and "config: safety_stock precisa ser um número inteiro, recebido 'abc'" in err
    code, _out, err = cli(capsys, "config", "set", "safety_stock", "abc")
    assert code == 2 and "config: safety_stock must be a whole number, got 'abc'" in err
    # The bound is in the operator's language too (it was an English phrase inside the Portuguese sentence).
    code, _out, err = cli(capsys, "--lang", "pt_BR", "config", "set", "safety_stock", "-1")
    assert code == 2 and "config: safety_stock precisa ser 0 ou mais, recebido '-1'" in err
    code, _out, err = cli(capsys, "--lang", "pt_BR", "config", "set", "concurrency", "0")
    assert code == 2 and "config: concurrency precisa ser maior que 0, recebido '0'" in err


def test_a_bad_catalogue_file_is_explained_line_by_line_in_portuguese(capsys, tmp_path):
    bad = tmp_path / "erp.csv"
    bad.write_text("code;name;price;stock;parent_code;attributes\nA;Produto A;12,5;3;;\nA;dup;x;-1;;\n", "utf-8")
    code, _out, err = cli(capsys, "--lang", "pt_BR", "erp", "import", str(bad))
    lines = err.splitlines()
    assert code == 2 and lines[0].endswith("3 erros; nada foi importado. Corrija o arquivo e execute de novo:")
    # Sorted by line, then column in the file's order, in the language's words.
    assert lines[1:] == [
        "  linha 3, coluna code: A repete a linha 2",
        "  linha 3, coluna price: 'x' não é um preço (no máximo duas casas decimais, como 12,50 ou 1.234,56)",
        "  linha 3, coluna stock: '-1': o estoque não pode ser negativo",
    ]


@pytest.mark.e2e
def test_sync_dry_run_apply_log_and_links_in_portuguese(live_home, live_sandbox, capsys, tmp_path):
    erp = tmp_path / "erp.csv"
    erp.write_text(ERP, "utf-8")
    code, out, _ = cli(capsys, "--lang", "pt_BR", "erp", "import", str(erp))
    assert code == 0 and "3 linhas lidas" in out and "produtos: 3 criados, 0 atualizados" in out

    code, out, _ = cli(capsys, "--lang", "pt_BR", "sync", "stock", "--dry-run")
    assert code == 0
    assert "Plano de `sync stock` (execução" in out and ", simulação):" in out
    assert "3 a aplicar (3 gravações no Mercado Livre)" in out and "+ estoque" in out
    assert "vínculos: vinculado 3, sem código de referência 1" in out
    assert out.rstrip().endswith("Simulação: nada foi gravado (nem no Mercado Livre, nem no ERP, nem nos vínculos).")

    code, out, _ = cli(capsys, "--lang", "pt_BR", "sync", "stock", "--yes")
    assert (
        code == 0 and "concluída: 3 feitas, 0 pulada, 0 com falha, 0 já certa." in out
    )  # 0 takes the singular in pt_BR

    code, out, _ = cli(capsys, "--lang", "pt_BR", "log")
    assert code == 0 and "simulação" in out and "concluída" in out
    newest = out.splitlines()[0]
    assert newest.startswith("execução ") and "estoque" in newest and "levou" in newest and newest.endswith("3 feitas")
    run_id = newest.split()[1]
    code, out, _ = cli(capsys, "--lang", "pt_BR", "log", "--run", run_id)
    assert code == 0 and out.count("  feita      estoque") == 3

    code, out, _ = cli(capsys, "--lang", "pt_BR", "links")
    assert code == 0 and out.startswith("ESTADO") and "ANÚNCIO" in out and "sem código de referência" in out
    assert "4 de 4 vínculos; vinculado 3, sem código de referência 1" in out

    # The watch lines of `status`: local times in the user's format, never ISO timestamps (issue 14).
    code, out, err = cli(capsys, "--lang", "pt_BR", "watch", "--once")
    assert code == 0
    assert re.match(r"\d\d/\d\d/\d{4} \d\d:\d\d (verificação|sincronização completa de estoque), execução \d+ ", out), (
        out
    )
    code, out, _ = cli(capsys, "--lang", "pt_BR", "status")
    assert code == 0 and "Mercado Livre:      conectado" in out
    [tags] = [line for line in out.splitlines() if line.startswith("Recursos da conta:")]
    assert "_" not in tags, tags  # the account's tags in words ("usuário de teste"), not test_user
    tick = next(line for line in out.splitlines() if "última verificação:" in line)
    assert re.fullmatch(r"  última verificação: +\d\d/\d\d/\d{4} \d\d:\d\d", tick), tick
    code, out, _ = cli(capsys, "status")
    tick = next(line for line in out.splitlines() if "last tick:" in line)
    assert re.fullmatch(r"  last tick: +\d{4}-\d\d-\d\d \d\d:\d\d", tick), tick

    # Scripts read the same JSON in any language.
    code, out, _ = cli(capsys, "--lang", "pt_BR", "log", "--run", run_id, "--json")
    document = json.loads(out)
    assert document["run"]["status"] == "finished" and {a["status"] for a in document["actions"]} == {"done"}
    code, english, _ = cli(capsys, "log", "--run", run_id, "--json")
    assert english == out


def _typed_options() -> list[tuple[list[str], str, object]]:
    """Every option of every command that converts its value: (the command's words, the option, its type)."""
    import argparse

    from cli.main import EVERY, build_parser

    found = []

    def walk(parser: argparse.ArgumentParser, words: list[str]) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    walk(sub, words + [name])
            elif action.type not in (None, Path) and action.option_strings:  # a Path never fails to convert
                found.append((words, action.option_strings[-1], action.type))

    walk(build_parser(EVERY), [])
    return found


def test_every_numeric_option_says_in_words_what_it_expects(capsys):
    """argparse's "invalid int value: 'x'" names a Python type: every typed option says "a whole number" or
    "a number" instead, in the operator's language."""
    from cli.arg_types import number, whole_number

    typed = _typed_options()
    assert {t for _w, _o, t in typed} == {number, whole_number}
    assert "--port" in [o for _w, o, _t in typed] and len(typed) >= 15
    expected = {
        "en": {whole_number: "must be a whole number", number: "must be a number"},
        "pt_BR": {whole_number: "precisa ser um número inteiro", number: "precisa ser um número"},
    }
    for lang, words in expected.items():
        for command, option, kind in typed:
            with pytest.raises(SystemExit) as done:
                main(["--lang", lang, *command, option, "x"])
            assert done.value.code == 2
            err = capsys.readouterr().err
            assert f"{option}: {words[kind]}, " in err and "'x'" in err, (lang, command, option, err)
            assert "invalid" not in err and "inválido" not in err and "(int)" not in err and "float" not in err


def test_a_number_option_reads_a_decimal_comma_and_refuses_what_is_not_finite(capsys):
    from cli.arg_types import number

    assert number("0,5") == 0.5 and number(" 2 ") == 2.0
    with pytest.raises(SystemExit) as done:
        main(["--lang", "pt_BR", "watch", "--every", "nan"])
    assert done.value.code == 2
    assert "argumento --every: precisa ser um número finito, recebido 'nan'" in capsys.readouterr().err


def test_the_sandboxs_usage_names_its_values_in_portuguese(capsys):
    with pytest.raises(SystemExit):
        main(["--lang", "pt_BR", "sandbox", "--help"])
    usage = capsys.readouterr().out.split("\n\n")[0]
    for shown in ("[--port PORTA]", "[--listings N]", "[--erp-csv ARQUIVO]", "[--lenient COMPORTAMENTO]", "AÇÃO"):
        assert shown in usage, shown
    assert "PORT]" not in usage and "LISTINGS" not in usage and "BEHAVIOUR" not in usage
