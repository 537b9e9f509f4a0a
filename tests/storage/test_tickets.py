"""Ticket numbers: format, what people type, and the per-year counter."""

from __future__ import annotations

import pytest

from storage import Database
from storage.tickets import format_ticket, next_ticket, normalise_ticket


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2026-000123", "2026-000123"),
        ("#2026-123", "2026-000123"),
        (" 2026 000123 ", "2026-000123"),
        ("2026—123", "2026-000123"),
        ("＃2026－7", "2026-000007"),
        ("2026000123", "2026-000123"),
        ("2026-0", None),
        ("2026-1234567", None),
        ("26-123", None),
        ("路灯", None),
        ("", None),
    ],
)
def test_normalise_what_people_type(typed: str, expected: str | None) -> None:
    assert normalise_ticket(typed) == expected


def test_format_refuses_numbers_out_of_range() -> None:
    assert format_ticket(2026, 1) == "2026-000001"
    with pytest.raises(ValueError):
        format_ticket(2026, 1_000_000)


async def test_each_year_counts_on_its_own_and_rollback_leaves_no_gap(db: Database) -> None:
    async with db.unit_of_work() as s:
        assert [await next_ticket(s, 2026) for _ in range(3)] == [
            "2026-000001", "2026-000002", "2026-000003",
        ]
        assert await next_ticket(s, 2027) == "2027-000001"
    with pytest.raises(RuntimeError):
        async with db.unit_of_work() as s:
            assert await next_ticket(s, 2026) == "2026-000004"
            raise RuntimeError("creation failed later in the transaction")
    async with db.unit_of_work() as s:
        assert await next_ticket(s, 2026) == "2026-000004"
