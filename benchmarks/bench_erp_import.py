"""Benchmark: importing an ERP catalogue CSV of 10k and 50k products (with compositions) into a fresh home, as a
whole command (`melisync erp import FILE` in its own process: start-up, parsing, checks, the write), against
TinyDB's own `insert_multiple` of the same rows into a default JSONStorage (the fastest plain TinyDB way) as the
baseline, also in its own process.

Like is compared with like: the baseline's time starts once its rows are in memory (making the CSV text is not
part of it) and ends when the file is written; the import's in-process time (`import_csv`, after the modules
are loaded) is set beside it, and the whole command beside the interpreter's own start-up (`python -c pass`).

Goals (issue 16), printed beside the figures; exits 1 when one is missed:
- the import is at least 5x faster than the baseline (baseline seconds / in-process import seconds >= 5);
- the whole command takes at most 5 s.
The first goal asks the import (reading and checking every row, a stock movement, balance and count per stock
row, customers untouched, a fsynced write) to take a fifth of the time TinyDB takes to serialize the bare rows
once: the figures show how far that is, not a way around it.

    python benchmarks/bench_erp_import.py [--sizes 10000 50000]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COLOURS = ("Azul", "Preto", "Branco")
SPEEDUP_GOAL = 5.0
COMMAND_GOAL_S = 5.0


def generate_csv(products: int, seed: int = 7) -> str:
    """`products` products; every fifth has three compositions (colours) carrying the stock."""
    rng = random.Random(seed)
    lines = ["code,name,price,stock,parent_code,attributes"]
    for i in range(products):
        code = f"P{i:06d}"
        price = f"{rng.randint(100, 99999) / 100:.2f}"
        if i % 5 == 0:
            lines.append(f"{code},Produto com variações {i},{price},,,")
            for colour in COLOURS:
                lines.append(f"{code}-{colour[:2].upper()},,,{rng.randint(0, 50)},{code},Cor={colour};Tamanho=M")
        else:
            lines.append(f"{code},Produto {i},{price},{rng.randint(0, 500)},,")
    return "\n".join(lines) + "\n"


def measure(argv: list[str], env: dict) -> dict:
    """Wall, CPU (user + system) and max RSS of one process, from wait4."""
    started = time.perf_counter()
    process = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = process.communicate()
    wall = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # cumulative: callers take differences
    return {"wall": wall, "code": process.returncode, "out": out, "err": err, "usage": usage}


def run_import(products: int, workdir: Path) -> dict:
    csv_path = workdir / "catalogue.csv"
    csv_path.write_text(generate_csv(products), "utf-8")
    rows = len(csv_path.read_text("utf-8").splitlines()) - 1
    env = {
        **os.environ,
        "MELISYNC_HOME": str(workdir / "home"),
        "PYTHONPATH": str(ROOT),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    first = measure([sys.executable, "-m", "cli.main", "erp", "import", str(csv_path)], env)
    after = first["usage"]
    if first["code"]:
        raise SystemExit(f"erp import failed: {first['err']}")
    home = workdir / "home"
    files = sum(p.stat().st_size for p in home.iterdir() if p.is_file() and not p.name.endswith(".lock"))
    again = measure([sys.executable, "-m", "cli.main", "erp", "import", str(csv_path)], env)
    return {
        "seconds": first["wall"],
        "cpu": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
        "peak_rss_mib": after.ru_maxrss / 1024,
        "rows": rows,
        "reimport_seconds": again["wall"],
        "file_mib": files / 2**20,
        "output": first["out"].strip().splitlines()[-1:] or [""],
    }


def case_ours(products: int, workdir: Path) -> dict:
    """`import_csv` in this process, timed after the modules are loaded: the import's own work."""
    sys.path.insert(0, str(ROOT))
    os.environ["MELISYNC_HOME"] = str(workdir / "home")
    from services.erp.csv_io import import_csv

    csv_path = workdir / "catalogue.csv"
    csv_path.write_text(generate_csv(products), "utf-8")
    started, cpu = time.perf_counter(), time.process_time()
    import_csv(csv_path)
    return {
        "seconds": time.perf_counter() - started,
        "cpu": time.process_time() - cpu,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def case_baseline(products: int, workdir: Path) -> dict:
    """TinyDB's own `insert_multiple` of the CSV's rows (one document per row) into its default JSONStorage."""
    from tinydb import TinyDB

    rows = generate_csv(products).splitlines()[1:]
    started, cpu = time.perf_counter(), time.process_time()
    docs = []
    for row in rows:
        code, name, price, stock, parent, attributes = row.split(",")
        docs.append(
            {
                "code": code,
                "name": name,
                "price": price,
                "stock": stock,
                "parent_code": parent,
                "attributes": attributes,
            }
        )
    db = TinyDB(workdir / "plain.json")
    db.table("products").insert_multiple(docs)
    db.close()
    return {
        "seconds": time.perf_counter() - started,
        "cpu": time.process_time() - cpu,
        "inserts": len(docs),
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def run_case(case: str, products: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--case", case, "--products", str(products)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000])
    parser.add_argument("--case", choices=["baseline", "ours"], help=argparse.SUPPRESS)
    parser.add_argument("--products", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        with tempfile.TemporaryDirectory() as tmp:
            case = case_baseline if args.case == "baseline" else case_ours
            print(json.dumps(case(args.products, Path(tmp))))
        return 0

    print(
        f"ERP CSV import benchmark (python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.1f}: a shared machine slows every figure)"
    )
    print("every fifth product has 3 compositions; each case in its own process; RSS = that process's peak")
    misses = []
    bare = min(measure([sys.executable, "-c", "pass"], dict(os.environ))["wall"] for _ in range(5))
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            ours = run_import(size, Path(tmp))
        inside = run_case("ours", size)
        plain = run_case("baseline", size)
        speedup = plain["seconds"] / inside["seconds"]
        fast_ok, whole_ok = speedup >= SPEEDUP_GOAL, ours["seconds"] <= COMMAND_GOAL_S
        if not fast_ok:
            misses.append(f"{size}: {speedup:.2f}x TinyDB's insert_multiple")
        if not whole_ok:
            misses.append(f"{size}: the command took {ours['seconds']:.1f} s")
        print(f"\n{size:,} products ({ours['rows']:,} CSV rows, ERP files {ours['file_mib']:.1f} MiB)")
        print(
            f"  melisync erp import (whole command): {ours['seconds']:7.2f} s   CPU {ours['cpu']:6.2f} s   "
            f"peak RSS {ours['peak_rss_mib']:6.0f} MiB   (goal <= {COMMAND_GOAL_S:g} s: {'ok' if whole_ok else 'MISSED'})"
        )
        print(f"  python -c pass (start-up alone)    : {bare:7.2f} s")
        print(f"  same file again                    : {ours['reimport_seconds']:7.2f} s")
        print(
            f"  import_csv in process (no start-up): {inside['seconds']:7.2f} s   CPU {inside['cpu']:6.2f} s   peak RSS "
            f"{inside['peak_rss_mib']:6.0f} MiB"
        )
        print(
            f"  TinyDB insert_multiple, same rows  : {plain['seconds']:7.2f} s   CPU {plain['cpu']:6.2f} s   peak RSS "
            f"{plain['peak_rss_mib']:6.0f} MiB   ({plain['inserts']:,} documents, one call)"
        )
        print(
            f"  speed-up (baseline / in process)   : {speedup:7.2f}x   (goal >= {SPEEDUP_GOAL:g}x: "
            f"{'ok' if fast_ok else 'MISSED'}; on CPU time {plain['cpu'] / inside['cpu']:.2f}x)"
        )
    if misses:
        print("\nMISSED: " + "; ".join(misses))
        return 1
    print("\nevery goal met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
