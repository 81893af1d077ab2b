"""The command-line dispatcher: exit codes of docs/architecture.md §5."""

from cli.main import main


def test_unknown_language_is_bad_usage(capsys):
    assert main(["--lang", "xx", "status"]) == 2
    assert "unknown language 'xx'" in capsys.readouterr().err


def test_unknown_command_is_bad_usage(capsys):
    try:
        main(["frobnicate"])
    except SystemExit as exc:  # argparse's own exit for usage errors
        assert exc.code == 2
    else:  # pragma: no cover
        raise AssertionError("argparse accepted an unknown command")


def test_json_answers_with_one_document_on_failure(capsys):
    import json

    assert main(["sync", "--dry-run", "--json"]) == 3  # not connected
    out, err = capsys.readouterr()
    document = json.loads(out)
    assert document["status"] == "failed" and "connect" in document["errors"][0]["message"]
    assert "melisync: " in err


def test_json_answers_a_usage_error_with_one_document(capsys):
    import json

    try:
        main(["log", "--json", "--run", "x"])
    except SystemExit as exc:
        assert exc.code == 2
    assert json.loads(capsys.readouterr().out)["status"] == "failed"


def test_a_bug_is_one_line_and_exit_1_never_a_traceback(capsys, monkeypatch):
    import cli.commands.status as status

    def broken(config):
        raise KeyError("state")

    monkeypatch.setattr(status, "status_report", broken)
    assert main(["status", "--json"]) == 1
    out, err = capsys.readouterr()
    assert "unexpected error (KeyError" in err and "Traceback" not in err
    assert '"failed"' in out


def test_a_connection_file_of_another_shape_reads_as_not_connected(melisync_home, capsys):
    melisync_home.mkdir(parents=True)
    for payload in ("[1, 2]", "null", '"x"', '{"connected": true, "user_id": {"a": 1}}', '{"tags": 5}'):
        (melisync_home / "connection.json").write_text(payload)
        assert main(["status"]) == 3
        assert "not connected" in capsys.readouterr().out


def test_log_changes_no_file(melisync_home, capsys):
    from services.store.journal import Journal

    journal = Journal()
    run_id = journal.start("stock", False)
    journal.amend(run_id, pid=2**22 + 12345)  # a process that is gone

    def files():
        return {str(p.relative_to(melisync_home)): p.read_bytes() for p in melisync_home.rglob("*") if p.is_file()}

    before = files()
    assert main(["log"]) == 0
    assert "interrupted" in capsys.readouterr().out
    assert files() == before


def test_each_command_is_listed_with_the_help_its_module_registers():
    from cli.main import COMMANDS, EVERY, build_parser

    full = build_parser(EVERY)
    listed = {a.dest: a.help for a in full._subparsers._group_actions[0]._choices_actions}
    assert listed == COMMANDS


def test_help_and_status_load_neither_httpx_nor_keyring_nor_the_engine(tmp_path):
    import os
    import subprocess
    import sys

    probe = (
        "import sys, runpy\n"
        "sys.argv = ['melisync'] + sys.argv[1:]\n"
        "try:\n"
        "    runpy.run_module('cli.main', run_name='__main__')\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = [m for m in ('httpx', 'keyring', 'services.sync.engine', 'tinydb', 'textual') if m in sys.modules]\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    env = {**os.environ, "MELISYNC_HOME": str(tmp_path / "home"), "MELISYNC_CLIENT_SECRET": "x"}
    for argv in (["--help"], ["status"], ["status", "--json"]):
        done = subprocess.run([sys.executable, "-c", probe, *argv], capture_output=True, text=True, env=env)
        assert "HEAVY []" in done.stderr, (argv, done.stderr)
