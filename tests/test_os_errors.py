"""OS errors inside our messages are in the operator's language (the C library's strerror is English), while
the `--json` documents keep English."""

from __future__ import annotations

import errno
import json

import pytest

from services.errors import OperationFailed
from services.i18n import N_, set_language
from services.os_errors import os_problem
from tests.fixtures.sync import cli


@pytest.fixture(autouse=True)
def english_after():
    yield
    set_language("en")


def test_an_os_error_is_said_in_the_language_and_kept_english_for_json():
    problem = os_problem(PermissionError(errno.EACCES, "Permission denied"))
    set_language("pt_BR")
    error = OperationFailed(N_("could not write {file}: {why}; the previous content is intact"), file="f", why=problem)
    assert str(error) == "não foi possível gravar f: permissão negada; o conteúdo anterior está intacto"
    assert error.english == "could not write f: permission denied; the previous content is intact"
    assert str(os_problem(OSError(errno.ENOSPC, "No space left on device"))) == "não há espaço livre no disco"
    # An errno we have no words for keeps the system's.
    assert str(os_problem(OSError(errno.ENOTTY, "Inappropriate ioctl for device"))) == "Inappropriate ioctl for device"


def test_reading_a_folder_as_the_csv_says_so_in_portuguese(capsys, tmp_path):
    code, _out, err = cli(capsys, "--lang", "pt_BR", "erp", "import", str(tmp_path))
    assert code == 2
    assert f"não foi possível ler {tmp_path}: é uma pasta, não um arquivo" in err
    assert "Is a directory" not in err


def test_a_home_under_a_file_is_not_called_damaged(capsys, tmp_path, monkeypatch):
    (tmp_path / "afile").write_text("")
    monkeypatch.setenv("MELISYNC_HOME", str(tmp_path / "afile" / "home"))
    code, _out, err = cli(capsys, "--lang", "pt_BR", "status")
    assert code == 1
    assert "uma parte do caminho não é uma pasta" in err and "danificado" not in err
    code, out, _err = cli(capsys, "status", "--json")
    assert "a part of the path is not a folder" in json.loads(out)["errors"][0]["message"]
