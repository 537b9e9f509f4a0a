"""The audit log: who did what to which record, append-only, without personal data.

Details are small facts (ids, codes, counts, flags); what people wrote stays in the timeline where
it belongs, never here. The guard below refuses keys and values that would smuggle text in.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from .models import AuditEntry, utcnow
from .roles import Actor

__all__ = ["record", "FORBIDDEN_DETAIL_KEYS", "MAX_DETAIL_STRING"]

# Keys that would carry personal data or free text.
FORBIDDEN_DETAIL_KEYS = frozenset(
    {
        "text", "comment", "reason", "name", "display_name", "contact_name", "phone",
        "contact_phone", "telegram_user_id", "user_id", "chat_id", "username", "address",
        "address_text", "latitude", "longitude",
    }
)
MAX_DETAIL_STRING = 48  # codes, statuses, ticket numbers; never sentences

_Scalar = str | int | float | bool | None


def _check_details(details: Mapping[str, object]) -> None:
    for key, value in details.items():
        if key in FORBIDDEN_DETAIL_KEYS:
            raise ValueError(f"audit detail {key!r} would record personal data")
        if not isinstance(value, _Scalar):
            raise ValueError(f"audit detail {key!r} must be a plain value")
        if isinstance(value, str) and len(value) > MAX_DETAIL_STRING:
            raise ValueError(f"audit detail {key!r} is too long to be a code")


def record(
    session: AsyncSession,
    actor: Actor,
    action: str,
    object_kind: str,
    object_id: int | str,
    *,
    now: datetime | None = None,
    **details: _Scalar,
) -> AuditEntry:
    """Append one audit entry in the caller's transaction (nothing is flushed or committed)."""
    _check_details(details)
    entry = AuditEntry(
        at=now or utcnow(),
        actor_kind=actor.kind,
        actor_id=actor.id,
        action=action[:48],
        object_kind=object_kind[:24],
        object_id=str(object_id)[:48],
        details=dict(details),
    )
    session.add(entry)
    return entry
