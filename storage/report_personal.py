"""The suggestions ledger with personal data (``jiazhan report --xlsx PATH --with-personal-data``):
the resident's name, phone and the suggestion's text beside each ticket. Only an administrator may
ask, and every such export is written to the audit log: who, when, which period and scope, where.

Name and phone are the ones given with the suggestion (a recording on behalf carries its own),
else the resident's; a resident who used /forget has none left to show.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from . import audit
from .models import Resident, Staff, Suggestion
from .roles import Actor

__all__ = ["ExportRefused", "export_actor", "add_personal_columns", "audit_personal_export",
           "scope_label", "AUDIT_ACTION"]

AUDIT_ACTION = "report.personal_export"


class ExportRefused(Exception):
    """``key`` names the catalogue text saying why (``report.personal.*``)."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


async def export_actor(session: AsyncSession, telegram_user_id: int | None,
                       admin_ids: frozenset[int]) -> Actor:
    """The administrator asking for personal data: an active staff member known to the database
    (by their Telegram id) who is also listed in ``JIAZHAN_ADMIN_IDS``."""
    if telegram_user_id is None:
        raise ExportRefused("report.personal.actor_required")
    staff_id = await session.scalar(select(Staff.id).where(
        Staff.telegram_user_id == telegram_user_id, Staff.active.is_(True)))
    if staff_id is None:
        raise ExportRefused("report.personal.actor_unknown")
    if telegram_user_id not in admin_ids:
        raise ExportRefused("report.personal.not_admin")
    return Actor.staff(staff_id)


async def add_personal_columns(session: AsyncSession, ledger: Sequence[dict[str, Any]]
                               ) -> list[dict[str, Any]]:
    """The ledger's rows with ``resident_name``, ``resident_phone`` and ``suggestion_text``."""
    tickets = [row["ticket"] for row in ledger]
    found: dict[str, tuple[str, str, str]] = {}
    for start in range(0, len(tickets), 500):
        chunk = tickets[start:start + 500]
        rows = await session.execute(
            select(Suggestion.ticket, Suggestion.contact_name, Suggestion.contact_phone,
                   Resident.display_name, Resident.phone, Resident.forgotten_at, Suggestion.text)
            .outerjoin(Resident, Resident.id == Suggestion.resident_id)
            .where(Suggestion.ticket.in_(chunk)))
        for ticket, c_name, c_phone, r_name, r_phone, forgotten, text in rows:
            if forgotten is not None:
                r_name = r_phone = None
            found[ticket] = (c_name or r_name or "", c_phone or r_phone or "", text or "")
    return [{**row, **dict(zip(("resident_name", "resident_phone", "suggestion_text"),
                               found.get(row["ticket"], ("", "", "")), strict=True))}
            for row in ledger]


def _short(path: str) -> str:
    return path if len(path) <= audit.MAX_DETAIL_STRING else "…" + path[-(audit.MAX_DETAIL_STRING - 1):]


def audit_personal_export(session: AsyncSession, actor: Actor, *, first: date, last: date,
                          scope: str, path: str, rows: int, now: datetime) -> None:
    """One audit entry per export: the actor, the time (``at``), period, scope, file and rows."""
    audit.record(session, actor, AUDIT_ACTION, "report", f"{first.isoformat()}/{last.isoformat()}",
                 now=now, first=first.isoformat(), last=last.isoformat(), scope=scope[:48],
                 path=_short(path), rows=rows)


def scope_label(*, district: str | None, town: str | None, station: str | None,
                deputy: str | None) -> str:
    """How the audit names the scope: ``all``, ``district:110118``, ``town:…`` …"""
    for kind, code in (("district", district), ("town", town), ("station", station),
                       ("deputy", deputy)):
        if code is not None:
            return f"{kind}:{code}"
    return "all"
