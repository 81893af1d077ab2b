"""Text folding for searches: case and accents ignored, so `acao` and `AÇÃO` both find `ação`. And one copy of
the codes and ids a sync reads from several places (`one_copy`)."""

from __future__ import annotations

import re
import sys
import unicodedata

_SEPARATOR = "\x00"  # between the texts folded together: NFKD, mark removal and casefold leave it alone
_BATCH = 1000  # texts folded together: each C call then holds the interpreter a few ms (the UI thread waits)


def fold(text: str) -> str:
    """`text` without case or accents (NFKD, combining marks dropped, casefolded)."""
    if text.isascii():
        return text.casefold()
    decomposed = unicodedata.normalize("NFKD", text)
    marks = {c for c in set(decomposed) if unicodedata.combining(c)}
    if marks:
        decomposed = re.sub("[" + "".join(map(re.escape, sorted(marks))) + "]", "", decomposed)
    return decomposed.casefold()


def fold_all(texts: list[str]) -> list[str]:
    """`[fold(t) for t in texts]`, a batch of texts at a time folded as one: the normalisation, the removal of
    the marks and the casefold run in C over the batch (at 50,000 links ~0.1 s against ~1 s a text at a time,
    issue 14), and each call is short, so a thread folding never holds the interpreter away from the UI for long."""
    out = [t.casefold() if t.isascii() else "" for t in texts]  # most texts: nothing to decompose
    accented = [i for i, t in enumerate(texts) if not t.isascii()]
    for start in range(0, len(accented), _BATCH):
        batch = accented[start : start + _BATCH]
        whole = [texts[i] for i in batch]
        folded = fold(_SEPARATOR.join(whole)).split(_SEPARATOR)
        if any(_SEPARATOR in t for t in whole) or len(folded) != len(whole):
            folded = [fold(t) for t in whole]
        for i, text in zip(batch, folded, strict=True):
            out[i] = text
    return out


def one_copy(text: str) -> str:
    """The one object of the codes and ids equal to `text` wherever they are read (the listings, the ERP catalogue,
    the stored links): a sync holds each reference code three times otherwise (issue 16: ~17 MB at 50k listings).
    Interned strings are freed with their last holder."""
    return sys.intern(text)
