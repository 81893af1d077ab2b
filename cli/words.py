"""The words the command line shows for the journal's and the links' codes, in the operator's language.

The codes themselves (`linked`, `dry_run`, `stock`...) stay what `--json`, `--csv` and options such as
`links --state` take; only the human text shows these words. The TUI keeps its own (shorter) labels in
screens/ (cli/ never imports screens/, which import Textual).
"""

from __future__ import annotations

from services.i18n import N_, _, _n
from words.states import LINK_STATES  # English shows the codes themselves; shared with words/reasons.py

RUN_KINDS = {
    "products": N_("products"),
    "stock": N_("stock"),
    "customers": N_("customers"),
    "all": N_("all"),
    "watch": N_("watch"),
    "reference_code": N_("reference_code"),
}

# English shows the journal's codes (as `--json` and `--csv` hold them); other languages their words.
ACTION_KINDS = {
    "import_product": N_("import_product"),
    "import_composition": N_("import_composition"),
    "sale": N_("sale"),
    "sale_counted": N_("sale_counted"),
    "sale_cancel": N_("sale_cancel"),
    "customer": N_("customer"),
    "stock": N_("stock"),
    "reference_code": N_("reference_code"),
}

ACTION_STATUSES = {"planned": N_("planned"), "skipped": N_("skipped"), "done": N_("done"), "failed": N_("failed")}


# The account's tags (`status`, `connect`): English shows the tags Mercado Livre sends, other languages words.
CAPABILITIES = {
    "user_product_seller": N_("user_product_seller"),
    "warehouse_management": N_("warehouse_management"),
    "multiwarehouse": N_("multiwarehouse"),
    "test_user": N_("test_user"),
}


def word(table: dict[str, str], code: str) -> str:
    """The word for `code` in the current language; an unknown code (a newer version's) as it is."""
    return _(table[code]) if code in table else code


def link_counts(counts: dict[str, int]) -> str:
    """ "linked 12, link lost 1": the links by state, in the words of the language (states with no link left out)."""
    return ", ".join(f"{word(LINK_STATES, state)} {count}" for state, count in counts.items() if count)


def action_counts(counts: dict[str, int]) -> str:
    """ "done 3, failed 1": a run's actions by outcome, each with its number's plural form."""
    forms = {
        "done": lambda n: _n("done {count}", "done {count}", n),
        "planned": lambda n: _n("planned {count}", "planned {count}", n),
        "skipped": lambda n: _n("skipped {count}", "skipped {count}", n),
        "failed": lambda n: _n("failed {count}", "failed {count}", n),
        "unchanged": lambda n: _n("unchanged {count}", "unchanged {count}", n),
    }
    return ", ".join(forms[key](counts[key]) for key in forms if counts.get(key))


MOVEMENT_KINDS = {
    "import": N_("import"),
    "adjustment": N_("adjustment"),
    "sale": N_("sale"),
    "sale_counted": N_("sale_counted"),
    "reset": N_("reset"),
}


def widest(table: dict[str, str], least: int) -> int:
    """The width of a column of `table`'s words in the current language (at least `least`), so it lines up."""
    return max(least, *(len(word(table, code)) for code in table))


# `melisync doctor`: the state of each file of the home (services/doctor.py).
FILE_STATES = {
    "ok": N_("ok"),
    "absent": N_("absent"),
    "damaged": N_("damaged"),
    "restored": N_("restored"),
    "set_aside": N_("set_aside"),
    "not_restored": N_("not_restored"),
}
