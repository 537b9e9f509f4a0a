"""The one way personal data is taken out of words staff or a deputy wrote, before they are shown
to the public (公示) or put in a deputy's record and annual report (年述职): ID numbers, phone and
other long digit runs (bank cards), e-mail addresses and the given names (the resident's) become
``MASK``. A ticket number (2026-000123) is not personal and stays."""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["MASK", "scrub"]

MASK = "***"
# A resident ID number (17 digits and a check digit that may be X), then any run of 7 or more
# digits (mobiles with or without +86, landlines, with spaces or hyphens; bank cards), e-mails.
_ID = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_DIGITS = re.compile(r"(?<!\d)(?:\+?86[\s-]?)?\d(?:[\s\-]?\d){6,}(?!\d)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_TICKET = re.compile(r"(?:19|20)\d{2}-\d{6}")


def scrub(text: str, names: Iterable[str | None] = ()) -> str:
    """``text`` with ID and phone numbers, long digit runs, e-mail addresses and ``names`` (of two
    characters or more; the longest first, so a full name goes before its part) masked."""
    out = _ID.sub(MASK, text)
    out = _DIGITS.sub(lambda m: m[0] if _TICKET.fullmatch(m[0]) else MASK, out)
    out = _EMAIL.sub(MASK, out)
    for name in sorted({n.strip() for n in names if n and len(n.strip()) >= 2}, key=len,
                       reverse=True):
        out = out.replace(name, MASK)
    return out
