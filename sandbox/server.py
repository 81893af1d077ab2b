"""Serve a sandbox on a real loopback socket with uvicorn, in a background thread (demo, e2e tests,
`melisync sandbox`). Port 0 picks a free port; `base_url` tells which."""

from __future__ import annotations

import logging
import socket
import threading
import time
from typing import Any

import uvicorn

from sandbox.app import create_app
from sandbox.state import SandboxState


class _LostAnswers(logging.Filter):
    """uvicorn logs every exception of the app; a connection dropped on purpose (`lose_answer_next`) is not one."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return not (error is not None and "sandbox dropped the connection" in str(error))


_uvicorn_errors = logging.getLogger("uvicorn.error")
if not any(isinstance(f, _LostAnswers) for f in _uvicorn_errors.filters):
    _uvicorn_errors.addFilter(_LostAnswers())


class SandboxServer:
    """`with SandboxServer(state) as server: ... server.base_url ...`; stops (and joins) on exit."""

    def __init__(self, state: SandboxState | None = None, host: str = "127.0.0.1", port: int = 0, **knobs: Any) -> None:
        self.state = state if state is not None else SandboxState(**knobs)
        self.host = host
        self.port = port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self, timeout: float = 10.0) -> SandboxServer:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        # proto=IPPROTO_TCP matters: asyncio only sets TCP_NODELAY on such sockets, and without it every
        # keep-alive answer waits ~40 ms for a delayed ACK (headers and body go out as two segments).
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(create_app(self.state), log_level="warning", lifespan="off", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name=f"sandbox:{self.port}", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the sandbox did not start on {self.base_url}")
            time.sleep(0.01)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
        self._server = self._thread = None

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
