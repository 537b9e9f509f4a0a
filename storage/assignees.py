"""Finding deputies: who a ticket can be given to (the station's own deputies first), and the
one way a deputy is found by what staff type (a number, a code, a name or part of it)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from .deputies import DeputyOrder, station_deputies
from .lifecycle.rules import OPEN
from .models import Deputy, Suggestion

__all__ = ["assign_choices", "find_deputies", "deputies_at_work", "MAX_CHOICES"]

MAX_CHOICES = 8  # buttons on a card: more would bury the card under its keyboard


async def assign_choices(
    session: AsyncSession, station_id: int, *, limit: int = MAX_CHOICES
) -> tuple[Deputy, ...]:
    """Who staff may give a ticket of this station to, first: the station's deputies, then its
    town home's, each by name (a few, to keep the card's keyboard short)."""
    return await station_deputies(session, station_id, order=DeputyOrder.NAME,
                                  with_town_home=True, limit=limit)


async def find_deputies(
    session: AsyncSession, ref: str, *, limit: int = MAX_CHOICES, active_only: bool = True
) -> Sequence[Deputy]:
    """The deputies someone means by ``ref`` — the one way a deputy is found everywhere (/assign,
    /invite, ``jiazhan invite deputy``): a row number, a code, an exact name, or any unique part
    of the name (``廖一`` finds ``示例代表·廖一``). An exact match wins over partial ones, so a
    single result means "this one"; several mean "which of these?"."""
    needle = ref.strip()
    if not needle:
        return ()
    active = (Deputy.active.is_(True),) if active_only else ()
    if needle.isdigit():
        by_id = await session.get(Deputy, int(needle))
        if by_id is not None and (by_id.active or not active_only):
            return (by_id,)
    exact = (await session.scalars(
        select(Deputy).where((Deputy.code == needle) | (Deputy.name == needle), *active)
        .order_by(Deputy.name, Deputy.id).limit(limit)
    )).all()
    if exact:
        return exact
    return (await session.scalars(
        select(Deputy).where(Deputy.name.contains(needle, autoescape=True), *active)
        .order_by(func.length(Deputy.name), Deputy.name, Deputy.id).limit(limit)
    )).all()


async def deputies_at_work(
    session: AsyncSession, *, station_id: int | None = None, limit: int = 12
) -> Sequence[Deputy]:
    """Deputies worth looking at first: those with open tickets assigned to them, then the
    deputies of ``station_id`` (and its town's home)."""
    busy = (
        await session.scalars(
            select(Deputy)
            .where(
                Deputy.active.is_(True),
                Deputy.id.in_(select(Suggestion.assignee_deputy_id)
                              .where(Suggestion.status.in_(OPEN))),
            )
            .order_by(Deputy.id)
            .limit(limit)
        )
    ).all()
    nearby = await assign_choices(session, station_id, limit=limit) if station_id else ()
    result: list[Deputy] = []
    for deputy in (*busy, *nearby):
        if deputy not in result:
            result.append(deputy)
    return result[:limit]
