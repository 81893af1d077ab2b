"""The command-line dispatcher: exit codes of architecture.md §5."""

from tui.cli import main


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
