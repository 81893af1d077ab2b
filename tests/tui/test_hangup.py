"""The real `melisync demo` on a pseudo-terminal: when the terminal goes away (SIGHUP, or the pty
closed under it) the app leaves through its normal exit path (status 129) and removes its
throw-away home, instead of dying half-way."""

from __future__ import annotations

import fcntl
import os
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

MELISYNC = Path(sys.executable).with_name("melisync")


def _read_until(fd: int, needle: bytes, deadline: float) -> bytes:
    seen = b""
    while needle not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                seen += os.read(fd, 65536)
            except OSError:
                break
    return seen


@pytest.mark.parametrize("how", ["sighup", "pty closed", "sigterm"])
def test_the_demo_exits_cleanly_when_the_terminal_goes_away(tmp_path, how):
    if not MELISYNC.exists():
        pytest.skip("the melisync console script is not installed next to this Python")
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    env = {k: v for k, v in os.environ.items() if k != "COLORTERM"}
    env.update(TERM="xterm-256color", TMPDIR=str(tmp_path), LANG="en_US.UTF-8")

    def own_terminal() -> None:  # a session of its own with the pty as controlling terminal, like sshd does
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    proc = subprocess.Popen(
        [str(MELISYNC), "demo", "--listings", "20"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        preexec_fn=own_terminal,
        close_fds=True,
    )
    os.close(slave)
    try:
        # Hang up once the app is up and has read its status (the screen says how to connect).
        drawn = _read_until(master, b"to connect", time.monotonic() + 60)
        assert b"to connect" in drawn, drawn[-500:]
        assert list(tmp_path.glob("melisync-demo-*"))  # the throw-away home exists while it runs
        if how == "sighup":
            proc.send_signal(signal.SIGHUP)
        elif how == "sigterm":  # e.g. `kill` from another shell: the terminal stays, so it is restored
            proc.send_signal(signal.SIGTERM)
        else:
            os.close(master)
            master = -1
        assert proc.wait(timeout=30) == (143 if how == "sigterm" else 129)
        if how == "sigterm":
            assert b"\x1b[?1049l" in _read_until(master, b"\x1b[?1049l", time.monotonic() + 5)  # alt screen left
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if master >= 0:
            os.close(master)
    assert list(tmp_path.glob("melisync-demo-*")) == []  # and is gone afterwards
