"""Benchmark: finding the redirect URL in a pasted text (`melisync connect`), against the regex it replaced
(`[A-Za-z][A-Za-z0-9+.-]*://\\S+`, quadratic on a long run of letters) as the baseline, measured in the same
run. The paste is capped at MAX_PASTE characters before parsing; the figures show why the scan is linear.

    python benchmarks/bench_paste.py [--sizes 8000 80000]
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from services.meli.oauth import MAX_PASTE, _embedded_url  # noqa: E402 - after the sys.path line: runs from a checkout

OLD = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://\S+")


def timed(function, text: str) -> float:
    started = time.perf_counter()
    function(text)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[8000, 20000, 80000])
    args = parser.parse_args()
    print(f"paste cap: {MAX_PASTE} characters (longer pastes are refused before parsing)")
    for size in args.sizes:
        text = "a" * size  # the worst case for the old pattern: letters and no "://"
        new = timed(_embedded_url, text)
        old = timed(OLD.search, text)
        print(
            f"{size:>7} chars: scan {new * 1000:8.2f} ms   old regex {old * 1000:10.2f} ms   "
            f"ratio {old / max(new, 1e-9):8.0f}x"
        )


if __name__ == "__main__":
    main()
