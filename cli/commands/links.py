"""`melisync links [--state S] [--json|--csv] [--all]`: the links as the last sync left them (local, no API
call). The text list stops at `SHOWN` rows unless `--all`; `--csv` and `--json` always hold every row."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from services.config import load_config
from services.csv_export import LINK_FIELDS, csv_text, link_row
from services.linking import LinkState
from services.store.links import LinkRepository, link_to_doc
from words.reasons import printable_row, say

if TYPE_CHECKING:
    from cli.commands import Subcommands


def register(sub: Subcommands) -> None:
    parser = sub.add_parser("links", help="listings and variations with their link to the ERP")
    parser.add_argument("--state", choices=[s.value for s in LinkState], help="only links in this state")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="one JSON document on stdout")
    output.add_argument("--csv", action="store_true", help="every row as CSV on stdout (for a spreadsheet)")
    parser.add_argument("--all", action="store_true", help=f"list every row (without it, the first {SHOWN})")
    parser.set_defaults(func=run)


SHOWN = 200


def run(args: argparse.Namespace) -> int:
    repository = LinkRepository(home=load_config().home)
    links = repository.all()
    counts = {state.value: 0 for state in LinkState}
    for link in links:
        counts[link.state.value] += 1
    shown = [l for l in links if not args.state or l.state == args.state]
    if args.json:
        print(
            json.dumps(
                {"counts": counts, "links": [printable_row(link_to_doc(l)) for l in shown]},
                indent=2,
                ensure_ascii=False,
            )
        )
        return 0
    if args.csv:
        sys.stdout.write(csv_text(LINK_FIELDS, (link_row(l, say) for l in shown)))
        return 0
    if not links:
        print("No links yet: run `melisync sync --dry-run` to see them, or `melisync sync` to store them.")
        return 0
    print(
        f"{'STATE':<19} {'LISTING':<16} {'VARIATION':<14} {'REF CODE':<16} {'ERP CODE':<16} "
        f"{'ERP':>5} {'ML':>5}  TITLE / WHY"
    )
    listed = shown if args.all else shown[:SHOWN]
    for l in listed:
        erp = "-" if l.erp_stock is None else str(l.erp_stock)
        ml = "-" if l.ml_stock is None else str(l.ml_stock)
        about = " ".join(x for x in (l.title, f"[{l.variation_label}]" if l.variation_label else "") if x)
        why = f"  ({say(l.reason)})" if l.reason and l.state != LinkState.LINKED else ""
        print(
            f"{l.state.value:<19} {l.listing_id:<16} {str(l.variation_id or '-'):<14} {l.reference_code or '-':<16} "
            f"{l.erp_code or '-':<16} {erp:>5} {ml:>5}  {about}{why}"
        )
    if len(listed) < len(shown):
        print(f"... and {len(shown) - len(listed)} more (--all lists them, --csv for a spreadsheet)")
    print(
        f"{len(shown)} of {len(links)} links"
        + (f" in state {args.state}" if args.state else "")
        + "; "
        + ", ".join(f"{s} {n}" for s, n in counts.items() if n)
    )
    return 0
