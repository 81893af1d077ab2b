"""Scale (issue 16): a seller of 1k, 10k and 50k listings synced through the CLI, as an operator runs it.

Each size gets a fresh home and its own sandbox process (with the matching ERP CSV); every melisync command runs
in its own process, measured from outside (wall, CPU = user + system, max RSS from wait4):

- `erp import`, `connect` (the sandbox approves), then
- a first sync (`sync all --yes`), a no-change stock sync, a stock sync after sales (1% of the listings sold),
- the journal's size before and after `--no-change-runs` more no-change stock syncs (growth per run),
- `status`, `--help` and `python -c pass` (the interpreter's own start-up, measured in the same run),
- with `--check-rate R`: one more no-change sync with the client at R requests/s against the lower bound
  ceil(N/100) scan pages + ceil(N/20) multigets + (strict reading) one variations read per listing with
  variations + 2 orders searches (wall goal <= 1.2x lower bound / R).

The sandbox is strict, as by default; `--lenient bulk_variation_attributes` runs the kinder reading.

Goals (issue 16) printed beside each figure; exits 1 when one is missed (RSS goals apply from 50k listings on).

    python benchmarks/bench_scale.py --sizes 1000 10000 50000 [--no-change-runs 20] [--check-rate 10] [--port 8960]
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RSS_GOAL_MB = 300
JOURNAL_GROWTH_GOAL_KB = 50
STATUS_GOAL_S = 0.3
WALL_RATIO_GOAL = 1.2
ORDERS_READS = 2


# -- the sandbox process -------------------------------------------------------------------------------------


def serve(listings: int, port: int, csv_path: str, lenient: str = "") -> None:
    """The sandbox in this process; commands on stdin: `approve URL`, `sell K`, `requests`, `with_variations`,
    `quit`."""
    import gc

    sys.path.insert(0, str(ROOT))
    from sandbox.catalog import generate
    from sandbox.server import SandboxServer
    from sandbox.state import SandboxState

    data = generate(listings, 0)
    Path(csv_path).write_text(data.erp_csv, "utf-8")
    state = SandboxState(listings=data.listings, seed=0, lenient=lenient)
    gc.freeze()
    with SandboxServer(state, port=port) as server:
        print(server.base_url, flush=True)
        for line in sys.stdin:
            command, _, arg = line.strip().partition(" ")
            if command == "approve":
                print(state.approve(arg), flush=True)
            elif command == "sell":
                print(len(state.create_sample_orders(int(arg))), flush=True)
            elif command == "with_variations":
                # listings whose variations' codes the strict /items/bulk leaves out (one read each: §4)
                strict = "bulk_variation_attributes" not in state.lenient
                print(sum(1 for i in state.listing_ids() if state.items[i]["variations"]) if strict else 0, flush=True)
            elif command == "requests":
                print(len(state.requests), flush=True)
                state.clear_log()
            elif command == "quit":
                break


class Sandbox:
    def __init__(self, listings: int, port: int, csv_path: Path, lenient: str = ""):
        self.process = subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--serve",
                str(listings),
                "--port",
                str(port),
                "--csv",
                str(csv_path),
                "--lenient",
                lenient,
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.base_url = self.process.stdout.readline().strip()
        if not self.base_url:
            raise SystemExit("the sandbox did not start")

    def ask(self, line: str) -> str:
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        return self.process.stdout.readline().strip()

    def close(self) -> None:
        try:
            self.ask("quit")
        except (BrokenPipeError, OSError):
            pass
        self.process.wait(timeout=60)


# -- measuring a command -------------------------------------------------------------------------------------


def measure(argv: list[str], env: dict, stdin: str | None = None) -> dict:
    """Run `argv`; wall seconds, CPU seconds and max RSS (MB) of that process, from wait4."""
    started = time.perf_counter()
    process = subprocess.Popen(
        argv,
        env=env,
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    if stdin is not None:
        process.stdin.write(stdin)
        process.stdin.close()
    out = process.stdout.read()
    err = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "rss_mb": usage.ru_maxrss / 1024,
        "code": process.returncode,
        "out": out,
        "err": err,
    }


def melisync(*args: str) -> list[str]:
    return [sys.executable, "-m", "cli.main", *args]


def journal_bytes(home: Path) -> int:
    total = 0
    for path in [home / "journal.json", *(home / "journal").glob("*")]:
        if path.is_file():
            total += path.stat().st_size
    return total


def connect(sandbox: Sandbox, env: dict) -> None:
    process = subprocess.Popen(
        melisync("connect"), env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    url = process.stdout.readline().strip()
    redirect = sandbox.ask(f"approve {url}")
    out, err = process.communicate(redirect + "\n", timeout=120)
    if process.returncode:
        raise SystemExit(f"connect failed: {err}")


# -- one size ------------------------------------------------------------------------------------------------


def fmt(run: dict) -> str:
    return f"wall {run['wall']:7.2f} s   CPU {run['cpu']:7.2f} s   max RSS {run['rss_mb']:7.1f} MB"


def bench(n: int, port: int, runs: int, check_rate: float | None, misses: list[str], lenient: str = "") -> None:
    scratch = Path(tempfile.mkdtemp(prefix="melisync-scale-"))
    home = scratch / "home"
    csv_path = scratch / "erp.csv"
    env = {
        **os.environ,
        "MELISYNC_HOME": str(home),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        "PYTHONPATH": str(ROOT),
        "LANG": "en_US.UTF-8",
    }
    started = time.perf_counter()
    sandbox = Sandbox(n, port, csv_path, lenient)
    print(
        f"\n{n:,} listings (sandbox up in {time.perf_counter() - started:.1f} s, its own process, no rate limit,"
        f" {'lenient: ' + lenient if lenient else 'strict'})"
    )
    try:
        import sandbox as demo  # the demo app's credentials

        env["MELISYNC_CLIENT_SECRET"] = demo.DEMO_CLIENT_SECRET
        for key, value in (
            ("api_url", sandbox.base_url),
            ("auth_url", sandbox.base_url),
            ("client_id", demo.DEMO_CLIENT_ID),
            ("redirect_uri", demo.DEMO_REDIRECT_URI),
            # the client's highest limit (the setting must be above 0): no limit in practice
            ("requests_per_second", "1000"),
            ("concurrency", "4"),
        ):
            subprocess.run(melisync("config", "set", key, value), env=env, check=True, capture_output=True)
        imported = measure(melisync("erp", "import", str(csv_path)), env)
        print(f"  erp import          {fmt(imported)}")
        connect(sandbox, env)

        def sync(title: str, kind: str, goal_rss: bool) -> dict:
            run = measure(melisync("sync", kind, "--yes"), env)
            flag = ""
            if goal_rss:
                ok = run["rss_mb"] <= RSS_GOAL_MB
                flag = f"   (goal RSS <= {RSS_GOAL_MB} MB: {'ok' if ok else 'MISSED'})"
                if not ok:
                    misses.append(f"{n}: {title} RSS {run['rss_mb']:.0f} MB")
            if run["code"] not in (0, 1):
                misses.append(f"{n}: {title} exited {run['code']}: {run['err'].strip()[-300:]}")
            print(f"  {title:<19} {fmt(run)}{flag}")
            return run

        big = n >= 50_000
        sync("first sync (all)", "all", big)
        sync("no-change sync", "stock", big)
        sold = sandbox.ask(f"sell {max(1, n // 100)}")
        sync(f"after {sold} sales", "stock", False)
        before = journal_bytes(home)
        for _ in range(runs):
            run = measure(melisync("sync", "stock", "--yes"), env)
        after = journal_bytes(home)
        growth = (after - before) / max(1, runs) / 1024
        ok = growth <= JOURNAL_GROWTH_GOAL_KB
        if not ok:
            misses.append(f"{n}: journal growth {growth:.1f} KB per no-change run")
        print(
            f"  journal             {before / 2**20:7.2f} MB -> {after / 2**20:.2f} MB after {runs} no-change runs:"
            f" {growth:.1f} KB per run   (goal <= {JOURNAL_GROWTH_GOAL_KB} KB: {'ok' if ok else 'MISSED'});"
            f" last of them: {fmt(run)}"
        )
        baseline = min((measure([sys.executable, "-c", "pass"], env) for _ in range(5)), key=lambda r: r["wall"])
        status = min((measure(melisync("status"), env) for _ in range(5)), key=lambda r: r["wall"])
        helped = min((measure(melisync("--help"), env) for _ in range(5)), key=lambda r: r["wall"])
        ok = status["wall"] <= STATUS_GOAL_S
        if not ok:
            misses.append(f"{n}: status {status['wall']:.2f} s")
        print(f"  python -c pass      {fmt(baseline)}")
        print(
            f"  status              {fmt(status)}   ratio to python -c pass {status['wall'] / baseline['wall']:.1f}x"
            f"   (goal <= {STATUS_GOAL_S} s: {'ok' if ok else 'MISSED'})"
        )
        print(f"  --help              {fmt(helped)}   ratio to python -c pass {helped['wall'] / baseline['wall']:.1f}x")
        if check_rate:
            subprocess.run(
                melisync("config", "set", "requests_per_second", str(check_rate)),
                env=env,
                check=True,
                capture_output=True,
            )
            sandbox.ask("requests")  # reset the count
            run = measure(melisync("sync", "stock", "--yes"), env)
            sent = int(sandbox.ask("requests"))
            # The requests no client can do without: scan pages, multigets, under the strict reading one variations
            # read per listing with variations (docs/mercado-livre-api.md §4), and the two orders searches of a
            # stock sync (sales, and the units held by unpaid orders).
            variations = int(sandbox.ask("with_variations"))
            lower = math.ceil(n / 100) + math.ceil(n / 20) + variations + ORDERS_READS
            ratio = run["wall"] / (lower / check_rate)
            ok = ratio <= WALL_RATIO_GOAL
            if not ok:
                misses.append(f"{n}: no-change sync at {check_rate:g} req/s took {ratio:.2f}x the bound")
            print(
                f"  no-change, {check_rate:g} req/s {fmt(run)}   {sent} requests (lower bound {lower}, of them"
                f" {variations} variations reads);"
                f" wall / (bound / rate) = {ratio:.2f}   (goal <= {WALL_RATIO_GOAL}: {'ok' if ok else 'MISSED'})"
            )
    finally:
        sandbox.close()
        subprocess.run(["rm", "-rf", str(scratch)])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 50_000])
    parser.add_argument("--no-change-runs", type=int, default=20)
    parser.add_argument(
        "--check-rate",
        type=float,
        default=None,
        help="also time one no-change sync with the client at this many requests/s",
    )
    parser.add_argument("--port", type=int, default=0, help="sandbox port (default: a free one)")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--csv", help=argparse.SUPPRESS)
    parser.add_argument(
        "--lenient",
        default="",
        help="kinder sandbox readings, comma-separated (default: strict, as the sandbox itself)",
    )
    args = parser.parse_args()
    if args.serve is not None:
        serve(args.serve, args.port, args.csv, args.lenient)
        return 0
    print(
        f"melisync at scale (python {sys.version.split()[0]}, {os.cpu_count()} CPUs; load average "
        f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}: a shared machine slows every figure)"
    )
    misses: list[str] = []
    for n in args.sizes:
        bench(n, args.port, args.no_change_runs, args.check_rate, misses, args.lenient)
    if misses:
        print("\nMISSED: " + "; ".join(misses))
        return 1
    print("\nevery goal met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
