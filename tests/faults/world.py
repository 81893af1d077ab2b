"""A seller world for the fault-injection suite: listings on the sandbox served over a real socket, the
matching ERP catalogue, sales made between runs, melisync runs killed at chosen moments, and the checks
that must hold after any of it (every file readable, each sale booked once, stocks right)."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from cli.main import main
from services.erp.catalog import Catalog
from services.erp.models import MovementKind
from services.store import close_stores

ROOT = Path(__file__).resolve().parents[2]
TRIALS_ENV = "MELISYNC_FAULT_TRIALS"  # how many random kills (acceptance: 100; default keeps CI quick)


def trials(default: int) -> int:
    return int(os.environ.get(TRIALS_ENV) or default)


class World:
    def __init__(self, state, home: Path, tmp_path: Path, *, simple: int = 12, variated: int = 4, seed: int = 0):
        self.state, self.home, self.tmp = state, Path(home), tmp_path
        self.random = random.Random(seed)
        self.codes: dict[tuple[str, int | None], str] = {}  # (listing, variation) -> ERP code
        rows = ["code,name,price,stock,parent_code,attributes"]
        for n in range(simple):
            item = state.add_listing(f"Simples {n}", quantity=40, sku=f"S{n}")
            self.codes[(item, None)] = f"S{n}"
            rows.append(f"S{n},Simples {n},10.00,{30 + n},,")
        for n in range(variated):
            item = state.add_listing(
                f"Grade {n}",
                sku=f"G{n}",
                variations=[
                    {"attributes": {"Cor": "Azul"}, "quantity": 20, "sku": f"G{n}-AZ"},
                    {"attributes": {"Cor": "Verde"}, "quantity": 20, "sku": f"G{n}-VD"},
                ],
            )
            for vid, suffix in zip(state.variation_ids(item), ("AZ", "VD"), strict=True):
                self.codes[(item, vid)] = f"G{n}-{suffix}"
            rows.append(f"G{n},Grade {n},20.00,,,")
            rows += [f"G{n}-AZ,,,{25 + n},G{n},Cor=Azul", f"G{n}-VD,,,{15 + n},G{n},Cor=Verde"]
        csv = tmp_path / "erp.csv"
        csv.write_text("\n".join(rows) + "\n", "utf-8")
        assert self.cli("erp", "import", str(csv))[0] == 0
        assert self.cli("sync", "all", "--yes", "--json")[0] == 0  # the first sync: counted stock pushed
        self.counted = dict(Catalog(home=self.home).balances())
        self.sold: Counter = Counter()
        self.orders: list[int] = []

    # -- what happens on Mercado Livre -------------------------------------------------------------------

    def sell(self, count: int) -> None:
        """`count` paid orders of 1-2 units on random listings that still have them."""
        for _ in range(count):
            for _attempt in range(50):
                (item, vid), code = self.random.choice(list(self.codes.items()))
                quantity = self.random.randint(1, 2)
                try:
                    order = self.state.create_order(item, vid, quantity)
                except ValueError:
                    continue  # sold out or paused: pick another
                self.sold[code] += quantity
                self.orders.append(order["id"])
                break

    # -- melisync -------------------------------------------------------------------------------------

    def cli(self, *argv: str) -> tuple[int, str, str]:
        """A command in this process (as a fresh process would see the files)."""
        import contextlib
        import io

        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(argv))
        close_stores()
        return code, out.getvalue(), err.getvalue()

    def spawn(self, *argv: str, **fault: str) -> subprocess.Popen:
        env = {**os.environ, "MELISYNC_HOME": str(self.home), "PYTHONPATH": str(ROOT), **fault}
        return subprocess.Popen(
            [sys.executable, "-m", "tests.faults.inject", "--", *argv],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def killed_run(
        self,
        *,
        kill_at: int | None = None,
        when: str = "before",
        delay: float | None = None,
        argv=("sync", "all", "--yes", "--json"),
        **env: str,
    ) -> tuple[int, str]:
        """A sync killed at the `kill_at`-th commit step, or after `delay` seconds. (exit code, stderr)."""
        fault = {"FAULT_KILL_AT": str(kill_at), "FAULT_KILL_WHEN": when} if kill_at else {}
        child = self.spawn(*argv, **fault, **env)
        if delay is not None:
            try:
                child.wait(delay)
            except subprocess.TimeoutExpired:
                child.send_signal(signal.SIGKILL)
        _, err = child.communicate(timeout=120)
        return child.returncode, err

    def commit_steps(self) -> int:
        """How many commit steps a whole `sync all` takes now (it runs to the end)."""
        count = self.tmp / "steps"
        child = self.spawn("sync", "all", "--yes", "--json", FAULT_COUNT_FILE=str(count))
        _, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
        return int(count.read_text())

    # -- what must hold -------------------------------------------------------------------------------

    def check(self) -> dict:
        """Every data file readable, each sale booked once, ERP stock = count - sales, ML = ERP. Figures."""
        unreadable = [p.name for p in self.home.glob("*.json") if not _readable(p)]
        catalog = Catalog(home=self.home)
        booked: Counter = Counter()
        keys: Counter = Counter()
        for movement in catalog.movements():
            if movement.kind == MovementKind.SALE:
                booked[movement.code] -= movement.quantity
                keys[movement.key] += 1
        balances = catalog.balances()
        wrong_erp = {
            c: (balances.get(c), self.counted[c] - self.sold[c])
            for c in self.counted
            if balances.get(c) != self.counted[c] - self.sold[c]
        }
        wrong_ml = {}
        for (item, vid), code in self.codes.items():
            listing = self.state.item(item)
            holder = next(v for v in listing["variations"] if v["id"] == vid) if vid else listing
            if holder["available_quantity"] != max(0, balances.get(code, 0)):
                wrong_ml[(item, vid)] = (holder["available_quantity"], balances.get(code))
        close_stores()
        return {
            "unreadable": unreadable,
            "doubled": sum(n - 1 for n in keys.values() if n > 1),
            "lost": {c: self.sold[c] - booked[c] for c in self.sold if booked[c] < self.sold[c]},
            "extra": {c: booked[c] - self.sold[c] for c in booked if booked[c] > self.sold[c]},
            "wrong_erp": wrong_erp,
            "wrong_ml": wrong_ml,
        }


def _readable(path: Path) -> bool:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict)


def clean(figures: dict) -> bool:
    return not any(figures[k] for k in ("unreadable", "doubled", "lost", "extra", "wrong_erp", "wrong_ml"))


def wait_for(condition, what: str, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.002)
