"""The last good generations of a store file (`erp.json.1`, `erp.json.2`: the two previous commits).

Before a commit replaces a store file, the file being replaced (parsed and checked by that very commit, under
its lock) becomes generation 1 and generation 1 becomes 2. A hard link makes that free: melisync never
changes a file in place, so the old inode keeps the old content. A damaged or missing file can then be put
back from the newest good generation (docs/internals.md, "Damaged files and generations").
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

KEEP = 2  # generations kept per file


@dataclass(frozen=True)
class Generation:
    path: Path
    number: int
    saved_at: datetime  # when that content was committed (the file's mtime)
    data: dict[str, Any] | None  # the parsed content when it is good, else None
    problem: str | None = None

    @property
    def good(self) -> bool:
        return self.data is not None

    def describe(self) -> str:
        state = "good" if self.good else f"damaged: {self.problem}"
        return f"{self.path} (saved {self.saved_at:%Y-%m-%d %H:%M:%S} UTC, {state})"


def generation_path(path: Path, number: int) -> Path:
    return path.with_name(f"{path.name}.{number}")


def keep_previous(path: Path) -> None:
    """Called under the file's lock right before a commit replaces `path`: shift the generations."""
    if not path.exists():
        return
    for number in range(KEEP, 1, -1):
        older = generation_path(path, number - 1)
        if older.exists():
            os.replace(older, generation_path(path, number))
    first = generation_path(path, 1)
    try:
        first.unlink(missing_ok=True)
        os.link(path, first)
    except OSError:
        # A filesystem without hard links: a copy costs one read and one write of the file.
        shutil.copy2(path, first)


def generations(path: Path, check: Callable[[object], str | None]) -> list[Generation]:
    """Every kept generation of `path`, newest first. `check(data) -> problem | None` validates content."""
    found = []
    for number in range(1, KEEP + 1):
        candidate = generation_path(path, number)
        try:
            raw = candidate.read_bytes()
            saved = datetime.fromtimestamp(candidate.stat().st_mtime, UTC)
        except OSError:
            continue
        problem = None
        try:
            data = json.loads(raw)
            problem = check(data)
        except (ValueError, UnicodeDecodeError) as exc:
            problem = f"it is not valid JSON ({exc})"
        found.append(Generation(candidate, number, saved, None if problem else data, problem))
    return found


def newest_good(path: Path, check: Callable[[object], str | None]) -> Generation | None:
    return next((g for g in generations(path, check) if g.good), None)


def set_aside(path: Path) -> Path | None:
    """Rename a damaged `path` to `<name>.corrupt-<time>` (never over an earlier one). None if it is gone."""
    aside = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
    n = 1
    while aside.exists():
        n += 1
        aside = aside.with_name(f"{aside.name.split('~')[0]}~{n}")
    try:
        os.replace(path, aside)
    except FileNotFoundError:
        return None
    return aside


def all_copies(path: Path) -> list[Path]:
    """Every file that belongs to `path` besides itself: generations, damaged copies, temp files, the lock."""
    names = [generation_path(path, n) for n in range(1, KEEP + 1)]
    names += list(path.parent.glob(f"{path.name}.corrupt-*"))
    names += list(path.parent.glob(f".{path.name}.*.tmp"))
    names.append(path.with_name(path.name + ".lock"))
    return [p for p in names if p.exists()]
