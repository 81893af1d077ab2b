"""The command-line dispatcher: exit codes of architecture.md §5 and a clean broken pipe."""

import subprocess
import sys

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


def test_reader_leaving_early_is_not_a_traceback():
    # `melisync config show | head -1`: the pipe closes while melisync still writes.
    code = "import sys; from tui.cli import main; sys.exit(main(['config', 'show']))"
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # gone before the child writes a byte
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=30) in (0, -13)
    assert "Traceback" not in err and "BrokenPipeError" not in err, err
