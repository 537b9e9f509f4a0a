"""CSV cells that a spreadsheet would run as formulas are written with a leading apostrophe.

OWASP's advice for CSV injection: a cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return is prefixed with ``'`` so Excel or WPS shows it as text instead of evaluating it.
To make the export round-trip exactly, a cell that already starts with apostrophes followed by
one of those characters gets one more apostrophe, and import removes exactly one: every value,
including a phone written ``-`` or ``+86 10 …``, comes back as it was.
"""

from __future__ import annotations

import re

__all__ = ["neutralise", "restore"]

_DANGEROUS = "=+-@\t\r"
_GUARDED = re.compile(r"'*[" + re.escape(_DANGEROUS) + "]")


def neutralise(text: str) -> str:
    """The cell as written to a CSV file: never the start of a formula."""
    return "'" + text if _GUARDED.match(text) else text


def restore(text: str) -> str:
    """The value :func:`neutralise` was given (one apostrophe less where it added one)."""
    if text.startswith("'") and _GUARDED.match(text, 1):
        return text[1:]
    return text
