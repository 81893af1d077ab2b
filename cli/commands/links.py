"""`melisync links [--state S] [--json|--csv] [--all]`: the links as the last sync left them (local, no API
call). The text list stops at `SHOWN` rows unless `--all`; `--csv` and `--json` always hold every row."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from cli.words import LINK_STATES, link_counts, word
from services.config import load_config
from services.csv_export import LINK_FIELDS, csv_text, link_row
from services.i18n import _, _n
from services.linking import LinkState
from services.store.links import LinkRepository, link_to_doc
from words.reasons import printable_row, say

if TYPE_CHECKING:
    from cli.commands import Subcommands


def register(sub: Subcommands) -> None:
    parser = sub.add_parser("links", help=_("listings and variations with their link to the ERP"))
    parser.add_argument("--state", choices=[s.value for s in LinkState], help=_("only links in this state"))
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help=_("one JSON document on stdout"))
    output.add_argument("--csv", action="store_true", help=_("every row as CSV on stdout (for a spreadsheet)"))
    parser.add_argument(
        "--all", action="store_true", help=_("list every row (without it, the first {shown})", shown=SHOWN)
    )
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
        print(_("No links yet: run `melisync sync --dry-run` to see them, or `melisync sync` to store them."))
        return 0
    states = {state.value: word(LINK_STATES, state.value) for state in LinkState}
    state_title, listing, variation, reference, erp_code, about_title = (
        _("STATE"),
        _("LISTING"),
        _("VARIATION"),
        _("REF CODE"),
        _("ERP CODE"),
        _("TITLE / WHY"),
    )
    wide = max(len(state_title), *(len(text) for text in states.values()))  # the state's words fit in the language
    print(
        f"{state_title:<{wide}} {listing:<16} {variation:<14} {reference:<16} {erp_code:<16} "
        f"{'ERP':>5} {'ML':>5}  {about_title}"
    )
    listed = shown if args.all else shown[:SHOWN]
    for l in listed:
        erp = "-" if l.erp_stock is None else str(l.erp_stock)
        ml = "-" if l.ml_stock is None else str(l.ml_stock)
        about = " ".join(x for x in (l.title, f"[{l.variation_label}]" if l.variation_label else "") if x)
        why = f"  ({say(l.reason)})" if l.reason and l.state != LinkState.LINKED else ""
        print(
            f"{states[l.state.value]:<{wide}} {l.listing_id:<16} {str(l.variation_id or '-'):<14} {l.reference_code or '-':<16} "
            f"{l.erp_code or '-':<16} {erp:>5} {ml:>5}  {about}{why}"
        )
    if len(listed) < len(shown):
        print(
            _n(
                "... and {count} more (--all lists them, --csv for a spreadsheet)",
                "... and {count} more (--all lists them, --csv for a spreadsheet)",
                len(shown) - len(listed),
            )
        )
    if args.state:
        total = _n(
            "{shown} of {count} link in state {state}",
            "{shown} of {count} links in state {state}",
            len(links),
            shown=len(shown),
            state=word(LINK_STATES, args.state),
        )
    else:
        total = _n("{shown} of {count} link", "{shown} of {count} links", len(links), shown=len(shown))
    print(total + "; " + link_counts(counts))
    return 0
