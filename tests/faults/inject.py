"""A melisync process with a fault planted in it, for the fault-injection suite (tests/faults/).

    python -m tests.faults.inject -- sync all --yes --json

Environment:
  FAULT_KILL_AT=N        SIGKILL this process at the Nth file commit step (an `os.replace`, `os.fsync` or
                         `os.link` call) ...
  FAULT_KILL_WHEN=before|after   ... before that call or right after it (default before)
  FAULT_ARM_ON_REFRESH=1 count only the steps after a token refresh answer arrived
  FAULT_COUNT_FILE=path  write how many steps there were when the process ends normally
  FAULT_READY=path FAULT_GO=path  touch READY once imported, then wait for GO (two processes start at once)
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    from cli.main import main as melisync

    kill_at = int(os.environ.get("FAULT_KILL_AT") or 0)
    after = os.environ.get("FAULT_KILL_WHEN") == "after"
    armed = [not os.environ.get("FAULT_ARM_ON_REFRESH")]
    steps = [0]

    def planted(real):
        def call(*args, **kwargs):
            if not armed[0]:
                return real(*args, **kwargs)
            steps[0] += 1
            if steps[0] == kill_at and not after:
                os.kill(os.getpid(), signal.SIGKILL)
            result = real(*args, **kwargs)
            if steps[0] == kill_at and after:
                os.kill(os.getpid(), signal.SIGKILL)
            return result

        return call

    for name in ("replace", "fsync", "link"):
        setattr(os, name, planted(getattr(os, name)))
    if not armed[0]:
        from services.meli.client import MeliClient

        real_grant = MeliClient._refresh_grant

        async def refresh_grant(self, base):
            fresh = await real_grant(self, base)
            armed[0] = True  # the new pair exists only in this process from here on
            return fresh

        MeliClient._refresh_grant = refresh_grant
    ready, go = os.environ.get("FAULT_READY"), os.environ.get("FAULT_GO")
    if ready and go:
        Path(ready).touch()
        deadline = time.monotonic() + 60
        while not os.path.exists(go):
            if time.monotonic() > deadline:
                return 99
            time.sleep(0.0005)
    code = melisync(argv)
    if os.environ.get("FAULT_COUNT_FILE"):
        Path(os.environ["FAULT_COUNT_FILE"]).write_text(str(steps[0]))
    return code


if __name__ == "__main__":
    args = sys.argv[1:]
    sys.exit(main(args[1:] if args[:1] == ["--"] else args))
