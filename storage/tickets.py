"""Ticket numbers ``YYYY-NNNNNN``: one sequence per year of the district's calendar.

The next number comes from one atomic statement on the year's counter row
(``INSERT … ON CONFLICT (year) DO UPDATE SET last = last + 1 RETURNING last``), so it is unique
under concurrent creation on both backends: PostgreSQL holds the row lock until the creating
transaction ends, SQLite has a single writer. A rolled-back creation rolls its number back too,
so numbers have no gaps.
"""

from __future__ import annotations

import re

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from .models import TicketCounter

__all__ = ["next_ticket", "format_ticket", "normalise_ticket", "TICKET_PATTERN"]

TICKET_PATTERN = re.compile(r"^(\d{4})-(\d{6})$")
_LOOSE = re.compile(r"^#?\s*(\d{4})\s*[-‐‑–—_/ ]?\s*(\d{1,6})$")


def format_ticket(year: int, number: int) -> str:
    if not 1 <= number <= 999_999:
        raise ValueError("ticket numbers run from 000001 to 999999 a year")
    return f"{year:04d}-{number:06d}"


def normalise_ticket(text: str) -> str | None:
    """``2025-000123`` from what people type (``#2025-123``, ``2025 000123``, ``2025—123``)."""
    cleaned = text.strip().replace("－", "-").replace("＃", "#")
    match = _LOOSE.match(cleaned)
    if match is None:
        return None
    number = int(match.group(2))
    return format_ticket(int(match.group(1)), number) if number else None


async def next_ticket(session: AsyncSession, year: int) -> str:
    """Allocate the next ticket number of ``year`` in the caller's transaction."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(TicketCounter).values(year=year, last=1).on_conflict_do_update(
        index_elements=[TicketCounter.year],
        set_={"last": TicketCounter.last + 1},
    ).returning(TicketCounter.last)
    number = (await session.execute(statement)).scalar_one()
    return format_ticket(year, number)
