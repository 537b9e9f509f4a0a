"""What is wrong with an import file, where, and how to say it in Chinese and English."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from locales import t

__all__ = ["Problem", "ImportRejected", "MAX_PROBLEMS", "shown_value"]

MAX_PROBLEMS = 200  # reported one by one; the rest are summarised in one last problem
_SHOWN_CHARS = 40


def shown_value(value: object) -> str:
    """A cell value as quoted in a message: never more than a short excerpt of a huge cell."""
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    if len(text) > _SHOWN_CHARS:
        return text[:_SHOWN_CHARS] + "…"
    return text


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem: where (sheet, spreadsheet row with the header as row 1, column) and why.

    ``code`` names a message ``transfer.problem.<code>`` in the catalogues; ``fields`` fill its
    placeholders.
    """

    code: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    fields: Mapping[str, Any] = field(default_factory=dict)

    def where(self, locale: str) -> str:
        if self.sheet is None:
            return t(locale, "transfer.where.file")
        if self.row is None and self.column is None:
            return t(locale, "transfer.where.sheet", sheet=self.sheet)
        if self.row is None:
            return t(locale, "transfer.where.column", sheet=self.sheet, column=self.column)
        if self.column is None:
            return t(locale, "transfer.where.row", sheet=self.sheet, row=self.row)
        return t(locale, "transfer.where.cell", sheet=self.sheet, row=self.row, column=self.column)

    def describe(self, locale: str) -> str:
        why = t(locale, f"transfer.problem.{self.code}", **self.fields)
        return f"{self.where(locale)}{why}"


class ImportRejected(Exception):
    """The file was refused; nothing was written. ``problems`` says what to fix, in file order."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"import refused: {len(problems)} problem(s)")
        self.problems = problems

    def describe(self, locale: str) -> list[str]:
        return [p.describe(locale) for p in self.problems]
