"""Creating a suggestion: validate everything, number it, set its deadlines, record it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from .. import audit
from ..deadlines import Deadlines
from ..models import (
    Attachment,
    Category,
    Community,
    Deputy,
    Resident,
    Station,
    Suggestion,
    SuggestionStatus,
    TimelineEntry,
    Visibility,
)
from ..roles import Actor
from ..tickets import next_ticket
from .apply import clean_text
from .errors import LifecycleError

__all__ = ["create_suggestion", "MAX_SUGGESTION_TEXT", "ATTACHMENT_KINDS", "MAX_ATTACHMENTS"]

# Hard caps behind the dialogs' own (configurable, smaller) limits.
MAX_SUGGESTION_TEXT = 8000
ATTACHMENT_KINDS = frozenset({"photo", "voice", "document"})
MAX_ATTACHMENTS = 10


async def _check_references(
    session: AsyncSession,
    *,
    resident_id: int,
    station_id: int,
    category_code: str,
    community_code: str | None,
    addressed_deputy_id: int | None,
) -> None:
    resident = await session.get(Resident, resident_id)
    if resident is None or resident.forgotten_at is not None:
        raise LifecycleError("unknown_resident")
    if await session.get(Station, station_id) is None:
        raise LifecycleError("unknown_station")
    if await session.get(Category, category_code) is None:
        raise LifecycleError("unknown_category", code=category_code)
    if community_code is not None and await session.get(Community, community_code) is None:
        raise LifecycleError("unknown_community", code=community_code)
    if addressed_deputy_id is not None:
        deputy = await session.get(Deputy, addressed_deputy_id)
        if deputy is None or not deputy.active:
            raise LifecycleError("unknown_deputy", ref=str(addressed_deputy_id))


def _check_attachments(attachments: Sequence[tuple[str, str, str]]) -> None:
    if len(attachments) > MAX_ATTACHMENTS:
        raise LifecycleError("too_many_attachments", limit=MAX_ATTACHMENTS)
    for kind, file_id, _unique in attachments:
        if kind not in ATTACHMENT_KINDS or not file_id or len(file_id) > 256:
            raise LifecycleError("bad_attachment")


def _check_location(latitude: float | None, longitude: float | None) -> None:
    if (latitude is None) != (longitude is None):
        raise LifecycleError("bad_location")
    if latitude is not None and longitude is not None:
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise LifecycleError("bad_location")


def _record_creation(
    session: AsyncSession,
    suggestion: Suggestion,
    actor: Actor,
    attachments: Sequence[tuple[str, str, str]],
    now: datetime,
) -> None:
    """Attachments, the public ``created`` entry and the audit entry of a new suggestion."""
    for kind, file_id, unique_id in attachments:
        session.add(
            Attachment(
                suggestion_id=suggestion.id,
                kind=kind,
                file_id=file_id,
                file_unique_id=unique_id or "",
                created_at=now,
            )
        )
    session.add(
        TimelineEntry(
            suggestion_id=suggestion.id,
            at=now,
            actor_kind=actor.kind,
            actor_id=actor.id,
            kind="created",
            visibility=Visibility.PUBLIC,
            to_status=SuggestionStatus.NEW.value,
        )
    )
    audit.record(
        session,
        actor,
        "suggestion.create",
        "suggestion",
        suggestion.id,
        now=now,
        ticket=suggestion.ticket,
        station_id=suggestion.station_id,
        category=suggestion.category_code,
        attachments=len(attachments),
    )


async def create_suggestion(
    session: AsyncSession,
    *,
    resident_id: int,
    station_id: int,
    category_code: str,
    text: str,
    now: datetime,
    deadlines: Deadlines,
    community_code: str | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    addressed_deputy_id: int | None = None,
    share_identity: bool = False,
    contact_name: str | None = None,
    contact_phone: str | None = None,
    contact_phone_typed: bool = False,
    attachments: Sequence[tuple[str, str, str]] = (),
) -> Suggestion:
    """A new suggestion with its ticket number, deadlines, ``created`` entry and audit entry.

    The contact snapshot is kept only when the resident agreed to share it (``share_identity``).
    """
    body = clean_text(text, limit=MAX_SUGGESTION_TEXT)
    _check_attachments(attachments)
    _check_location(latitude, longitude)
    await _check_references(
        session,
        resident_id=resident_id,
        station_id=station_id,
        category_code=category_code,
        community_code=community_code,
        addressed_deputy_id=addressed_deputy_id,
    )
    suggestion = Suggestion(
        ticket=await next_ticket(session, deadlines.year(now)),
        resident_id=resident_id,
        station_id=station_id,
        community_code=community_code,
        category_code=category_code,
        text=body,
        latitude=latitude,
        longitude=longitude,
        addressed_deputy_id=addressed_deputy_id,
        share_identity=share_identity,
        contact_name=(contact_name or None) if share_identity else None,
        contact_phone=(contact_phone or None) if share_identity else None,
        contact_phone_typed=bool(share_identity and contact_phone and contact_phone_typed),
        status=SuggestionStatus.NEW,
        created_at=now,
        updated_at=now,
        first_response_due=deadlines.first_response_due(now),
        resolution_due=deadlines.resolution_due(now),
    )
    session.add(suggestion)
    await session.flush()
    _record_creation(session, suggestion, Actor.resident(resident_id), attachments, now)
    await session.flush()
    return suggestion
