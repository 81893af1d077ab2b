"""An operating-system error in the operator's words.

`exc.strerror` is the C library's English ("Permission denied", "No space left on device"): inside a translated
message it left English in the middle of Portuguese. `os_problem(exc)` is a message value that shows the
error in the current language where it is formatted, and in English in `MelisyncError.english` (the `--json`
documents stay English: docs/internals.md, "Translations"). An errno not listed keeps the system's own words.
"""

from __future__ import annotations

import errno

from services.i18n import N_, Phrase

WORDS: dict[int, str] = {
    errno.EACCES: N_("permission denied"),
    errno.EPERM: N_("operation not permitted"),
    errno.ENOSPC: N_("no space left on the disk"),
    errno.EDQUOT: N_("disk quota exceeded"),
    errno.ENOTDIR: N_("a part of the path is not a folder"),
    errno.EISDIR: N_("it is a folder, not a file"),
    errno.ENOENT: N_("no such file or folder"),
    errno.EEXIST: N_("it already exists"),
    errno.EROFS: N_("the disk is read-only"),
    errno.EIO: N_("input/output error (the disk may be failing)"),
    errno.ENAMETOOLONG: N_("the name is too long"),
    errno.EMFILE: N_("too many open files"),
    errno.ELOOP: N_("too many symbolic links in the path"),
    errno.EADDRINUSE: N_("the address is already in use"),
    errno.EADDRNOTAVAIL: N_("the address is not available on this machine"),
}


OsProblem = Phrase  # what went wrong, in our words (or the system's when we have none)


def os_problem(exc: OSError) -> OsProblem:
    words = WORDS.get(exc.errno) if exc.errno is not None else None
    return OsProblem(words, exc.strerror or str(exc) or type(exc).__name__)


IS_A_FILE = N_("it is not a directory")  # a folder melisync needs (the home) is a file
