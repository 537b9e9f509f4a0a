"""The domain model (see GUIDE §1). Import models from here."""

from __future__ import annotations

from .audit import AuditEntry
from .base import (
    ActorKind,
    Base,
    DeputyLevel,
    HandlingLevel,
    InviteKind,
    MeetingKind,
    MeetingStatus,
    OutboxStatus,
    Priority,
    Satisfaction,
    StationKind,
    SuggestionStatus,
    Visibility,
    utcnow,
)
from .forwarding import ForwardedMessage
from .geo import (
    AddressAlias,
    Community,
    District,
    StaffChat,
    StaffTopic,
    Station,
    StationCoverage,
    Town,
)
from .meetings import Meeting, MeetingDeputy, Subscription
from .messaging import (
    Broadcast,
    Delivery,
    DialogState,
    InboxUpdate,
    OutboxMessage,
    ProcessedUpdate,
)
from .people import Deputy, DeputyStation, InviteCode, Resident, Staff
from .suggestions import (
    AnswerTemplate,
    Attachment,
    Category,
    Suggestion,
    TicketCounter,
    TimelineEntry,
)

__all__ = [
    "ActorKind", "AddressAlias", "AnswerTemplate", "Attachment", "AuditEntry", "Base",
    "Broadcast", "Category", "Community", "Delivery", "Deputy", "DeputyLevel", "DeputyStation",
    "DialogState", "District", "HandlingLevel", "InviteCode", "InviteKind", "Meeting", "MeetingDeputy",
    "MeetingKind", "MeetingStatus", "OutboxMessage", "OutboxStatus", "Priority",
    "InboxUpdate", "ProcessedUpdate", "Resident", "Satisfaction", "Staff", "StaffChat", "StaffTopic", "Station", "StationCoverage",
    "StationKind", "Subscription", "Suggestion", "SuggestionStatus", "TicketCounter",
    "TimelineEntry", "Town", "Visibility", "utcnow",
    "ForwardedMessage",
]
