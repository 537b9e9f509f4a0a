"""The small SQL pieces every set of figures uses (``jiazhan stats``, ``jiazhan report``, the
monthly 公示): a conditional count, a rate, and hours between two timestamps on either backend."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func

__all__ = ["count_if", "ratio", "hours_between"]


def count_if(condition: Any) -> Any:
    """SUM(CASE WHEN condition THEN 1 ELSE 0 END), 0 over no rows."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def ratio(part: int, whole: int) -> float | None:
    """part / whole to four places; None until something is counted."""
    return round(part / whole, 4) if whole else None


def hours_between(dialect: str, later: Any, earlier: Any) -> Any:
    """``later - earlier`` in hours, as SQL for SQLite or PostgreSQL."""
    if dialect == "sqlite":
        return (func.julianday(later) - func.julianday(earlier)) * 24.0
    return func.extract("epoch", later - earlier) / 3600.0
