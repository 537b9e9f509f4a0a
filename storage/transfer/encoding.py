"""Which encoding a CSV file is in: decided once per file, and a file that mixes two is refused.

Excel in Chinese saves CSV as GB18030 (GBK); "CSV UTF-8" and everything else write UTF-8. A file
that is UTF-8 except for one row pasted from a GB18030 file must not be decoded wholly as GB18030
(that turns every other row into mojibake without an error): such a file is refused, naming the
first row whose encoding differs from the rest.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

__all__ = ["Decoded", "decode_csv"]

_BOM = b"\xef\xbb\xbf"
UTF8, GB18030 = "UTF-8", "GB18030"


@dataclass(frozen=True, slots=True)
class Decoded:
    """The text of the file, or why not: ``mixed_row`` (spreadsheet row) and the two encodings."""

    text: str | None
    mixed_row: int | None = None
    expected: str = UTF8
    found: str = GB18030


def _line_encoding(line: bytes) -> tuple[str | None, bool]:
    """(encoding, confident) of one line; (None, False) when neither decodes it."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        # GB18030 bytes are valid UTF-8 only by accident, and then decode to Latin letters,
        # never to CJK characters (three-byte sequences): those lines are UTF-8 for certain.
        return UTF8, any(ord(ch) >= 0x800 for ch in text)
    try:
        line.decode("gb18030")
    except UnicodeDecodeError:
        return None, False
    return GB18030, True


def _row_of_line(lines: list[bytes], index: int, encodings: list[str]) -> int:
    """The spreadsheet row (header = 1) where physical line ``index`` begins."""
    prefix = "".join(
        line.decode("utf-8" if enc == UTF8 else "gb18030", errors="replace")
        for line, enc in zip(lines[:index], encodings, strict=True)
    )
    rows = 0
    try:
        for _ in csv.reader(io.StringIO(prefix, newline="")):
            rows += 1
    except csv.Error:
        return rows + 1  # the line continues a quoted cell of the row being read
    return rows + 1


def decode_csv(data: bytes) -> Decoded:
    """Decode a whole CSV file in one encoding (UTF-8, with or without a BOM, or GB18030)."""
    declared = data.startswith(_BOM)
    body = data[len(_BOM) :] if declared else data
    try:
        return Decoded(body.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    lines = body.splitlines(keepends=True)
    seen: list[str] = []  # encoding of every line so far (ASCII lines count as either)
    expected: str | None = UTF8 if declared else None
    confident_utf8 = declared
    first_gb: int | None = None
    for index, line in enumerate(lines):
        if line.isascii():
            seen.append(UTF8)
            continue
        encoding, confident = _line_encoding(line)
        if encoding is None:
            return Decoded(None)
        if encoding == GB18030 and first_gb is None:
            first_gb = index
        if confident:
            if expected is None:
                expected = encoding
            elif encoding != expected:
                return Decoded(None, _row_of_line(lines, index, seen), expected, encoding)
            confident_utf8 = confident_utf8 or encoding == UTF8
        seen.append(encoding)
    if confident_utf8 and first_gb is not None:
        return Decoded(None, _row_of_line(lines, first_gb, seen), UTF8, GB18030)
    try:
        return Decoded(body.decode("gb18030"))
    except UnicodeDecodeError:
        return Decoded(None)
