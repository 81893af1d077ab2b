"""The melisync home: where it is, created 0700, and private (0600) atomic file writes inside it."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

import platformdirs

from services.i18n import N_

HOME_ENV = "MELISYNC_HOME"

# The JSON of the line files of the home (the ledger, the codes, the links): compact, UTF-8 as it is. One encoder for
# every line: json.dumps with these options makes a new encoder per call (issue 16: 400k lines per 50k import).
compact_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def home_dir() -> Path:
    """`$MELISYNC_HOME`, else the platform data dir (docs/architecture.md §4). Not created here."""
    explicit = os.environ.get(HOME_ENV)
    if explicit:
        return Path(explicit).expanduser()
    return Path(platformdirs.user_data_dir("melisync", appauthor=False))


def ensure_home(home: Path | None = None) -> Path:
    """Create the home (and parents) if needed and make sure it is 0700."""
    home = home or home_dir()
    try:
        home.mkdir(parents=True, exist_ok=True, mode=0o700)
        if (home.stat().st_mode & 0o777) != 0o700:
            os.chmod(home, 0o700)
    except OSError as exc:
        from services.errors import OperationFailed  # imported here: errors is a leaf, home is imported early
        from services.os_errors import IS_A_FILE, OsProblem, os_problem

        # mkdir on a file says "File exists": say what is wrong instead.
        what = OsProblem(IS_A_FILE) if home.exists() and not home.is_dir() else os_problem(exc)
        raise OperationFailed(
            N_("cannot create the melisync home {home}: {what}; set {home_env} to a directory you can write"),
            home=home,
            what=what,
            home_env=HOME_ENV,
        ) from None
    return home


def write_private(path: Path, data: bytes | Iterable[bytes]) -> None:
    """Write `data` (bytes, or chunks of bytes written as they come) to `path` atomically with mode 0600.

    A temp file in the same directory is written, fsynced and renamed over the target, so a crash
    leaves either the old or the new content, never a half-written file.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as fh:
            if isinstance(data, (bytes, bytearray)):
                fh.write(data)
            else:
                fh.writelines(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    # The rename is durable only once the directory entry is on disk.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
