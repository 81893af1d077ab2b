"""`melisync sandbox`: serves over real HTTP, prints the base URL and credentials, stops cleanly."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import httpx
import pytest

from cli.main import main
from sandbox import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_REDIRECT_URI


@pytest.mark.e2e
def test_serves_and_prints_how_to_connect(tmp_path):
    csv_path = tmp_path / "erp.csv"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cli.main",
            "sandbox",
            "--port",
            "0",
            "--listings",
            "20",
            "--orders",
            "3",
            "--erp-csv",
            str(csv_path),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines = []
        deadline = time.monotonic() + 30
        while not lines or not lines[-1].startswith("Ctrl+C stops it."):
            assert time.monotonic() < deadline and process.poll() is None, process.stderr.read()
            lines.append(process.stdout.readline().rstrip("\n"))
        text = "\n".join(lines)
        base_url = lines[0].split(": ", 1)[1]
        assert base_url.startswith("http://127.0.0.1:")
        # --listings 20 serves 20 listings; the kits (2 by default) are counted apart, and the CSV line comes
        # before the last line of the banner.
        assert "20 listings (seed 0)" in text and "2 Mercado Livre kits" in text
        assert lines[-2].startswith(f"ERP CSV written to {csv_path}")
        for expected in (
            DEMO_CLIENT_ID,
            DEMO_CLIENT_SECRET,
            DEMO_REDIRECT_URI,
            f"melisync config set api_url {base_url}",
            f"melisync config set auth_url {base_url}",
        ):
            assert expected in text
        page = httpx.get(
            f"{base_url}/authorization",
            params={
                "response_type": "code",
                "client_id": DEMO_CLIENT_ID,
                "redirect_uri": DEMO_REDIRECT_URI,
                "state": "s",
            },
        )
        assert "Autorizar este aplicativo" in page.text
        assert csv_path.read_text("utf-8").startswith("code,name,price,stock,parent_code,attributes\n")
    finally:
        process.send_signal(signal.SIGINT)
        out, _ = process.communicate(timeout=20)
    assert process.returncode == 0 and "sandbox stopped" in out


@pytest.mark.parametrize(
    "argv",
    [
        ["--port", "70000"],
        ["--listings", "-1"],
        ["--rate", "0"],
        ["--lenient", "attribute_merge"],
        ["--token-ttl", "0"],
    ],
)
def test_bad_options_exit_2(argv, capsys):
    assert main(["sandbox", *argv]) == 2
    assert "melisync:" in capsys.readouterr().err


def test_lenient_and_token_ttl_reach_the_sandbox(monkeypatch, capsys):
    from cli.commands import sandbox as command
    from sandbox import server as server_module

    built = []

    class Stop(Exception):
        pass

    def no_serving(self, *args, **kwargs):
        built.append(self.state)
        raise Stop

    monkeypatch.setattr(server_module.SandboxServer, "start", no_serving)
    with pytest.raises(Stop):
        command.run(
            command_args(
                [
                    "--listings",
                    "0",
                    "--lenient",
                    "attributes_merge,scroll_limit",
                    "--lenient",
                    "retry_after",
                    "--token-ttl",
                    "3",
                    "--retry-after",
                    "60",
                ]
            )
        )
    [state] = built
    assert state.lenient == {"attributes_merge", "scroll_limit", "retry_after"}
    assert state.token_ttl == 3 and state.rate_retry_after == 60


def command_args(argv):
    import argparse

    from cli.commands import sandbox as command

    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers()
    command.register(sub)
    return parser.parse_args(["sandbox", *argv])
