"""Who is who: the actor behind a storage operation, and how a Telegram account maps to a role.

A person may be a resident in their private chat and staff in the group at the same time, so the
role is decided by the *context* the caller is in: the staff group asks :func:`staff_actor`, the
deputy inbox asks :func:`deputy_actor`, the resident's dialogs ask :func:`resident_actor`. Each
looks the account up server-side; nothing a client sends (callback data, text) is trusted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import ActorKind, Deputy, Resident, Staff

__all__ = [
    "Actor",
    "staff_actor",
    "deputy_actor",
    "resident_actor",
    "ensure_staff",
    "remove_staff",
    "active_staff",
    "staff_id_of",
]


@dataclass(frozen=True, slots=True)
class Actor:
    """Who does something: a row id of Resident, Staff or Deputy (None for the system)."""

    kind: ActorKind
    id: int | None

    def __post_init__(self) -> None:
        if (self.kind is ActorKind.SYSTEM) != (self.id is None):
            raise ValueError("the system has no id; every other actor needs one")

    @classmethod
    def staff(cls, staff_id: int) -> Actor:
        return cls(ActorKind.STAFF, staff_id)

    @classmethod
    def deputy(cls, deputy_id: int) -> Actor:
        return cls(ActorKind.DEPUTY, deputy_id)

    @classmethod
    def resident(cls, resident_id: int) -> Actor:
        return cls(ActorKind.RESIDENT, resident_id)

    @classmethod
    def system(cls) -> Actor:
        return cls(ActorKind.SYSTEM, None)

    @property
    def is_staff_like(self) -> bool:
        """Staff and the system (scheduled jobs) may do every staff action."""
        return self.kind in (ActorKind.STAFF, ActorKind.SYSTEM)


async def ensure_staff(
    session: AsyncSession,
    telegram_user_id: int,
    *,
    display_name: str = "",
    added_by: int | None = None,
) -> Staff:
    """The active Staff row for this account, created or re-activated (``/staff add``)."""
    staff = await session.scalar(select(Staff).where(Staff.telegram_user_id == telegram_user_id))
    if staff is None:
        staff = Staff(
            telegram_user_id=telegram_user_id,
            display_name=display_name[:128],
            added_by=added_by,
            active=True,
        )
        session.add(staff)
        await session.flush()
        return staff
    staff.active = True
    if display_name:
        staff.display_name = display_name[:128]
    return staff


async def remove_staff(session: AsyncSession, telegram_user_id: int) -> bool:
    """Deactivate (never delete: the audit log refers to the row). False when not staff."""
    staff = await session.scalar(select(Staff).where(Staff.telegram_user_id == telegram_user_id))
    if staff is None or not staff.active:
        return False
    staff.active = False
    return True


async def staff_actor(
    session: AsyncSession,
    telegram_user_id: int,
    *,
    trusted_admin: bool = False,
    display_name: str = "",
) -> Actor | None:
    """The staff actor for this account, or None when they are not staff.

    ``trusted_admin`` is the caller's server-side knowledge that the account is an administrator
    of the staff group or listed in ``JIAZHAN_ADMIN_IDS``: such people are staff even without a
    ``/staff add``, and get a Staff row on first use so the audit log can name them.
    """
    if trusted_admin:
        staff = await ensure_staff(session, telegram_user_id, display_name=display_name)
        return Actor.staff(staff.id)
    staff_id = await session.scalar(
        select(Staff.id).where(Staff.telegram_user_id == telegram_user_id, Staff.active.is_(True))
    )
    return Actor.staff(staff_id) if staff_id is not None else None


async def active_staff(session: AsyncSession) -> Sequence[Staff]:
    """Everyone who is staff by ``/staff add`` (not the group's administrators), oldest first."""
    return (await session.scalars(
        select(Staff).where(Staff.active.is_(True)).order_by(Staff.id)
    )).all()


async def staff_id_of(session: AsyncSession, telegram_user_id: int) -> int | None:
    """The staff row of this account, active or not."""
    return await session.scalar(select(Staff.id).where(Staff.telegram_user_id == telegram_user_id))


async def deputy_actor(session: AsyncSession, telegram_user_id: int) -> Actor | None:
    """The deputy linked to this account (by a redeemed invitation), if active."""
    deputy_id = await session.scalar(
        select(Deputy.id).where(
            Deputy.telegram_user_id == telegram_user_id, Deputy.active.is_(True)
        )
    )
    return Actor.deputy(deputy_id) if deputy_id is not None else None


async def resident_actor(session: AsyncSession, telegram_user_id: int) -> Actor | None:
    """The resident behind this account (None before they consented and were stored)."""
    resident_id = await session.scalar(
        select(Resident.id).where(Resident.telegram_user_id == telegram_user_id)
    )
    return Actor.resident(resident_id) if resident_id is not None else None
