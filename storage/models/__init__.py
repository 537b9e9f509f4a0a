"""The domain model (see GUIDE §1). Import models from here."""

from __future__ import annotations

from .audit import AuditEntry
from .base import (
    ActorKind,
    AnswerChannel,
    Base,
    BookingStatus,
    DeputyLevel,
    DeputyResponse,
    HandlingLevel,
    InviteKind,
    MeetingKind,
    MeetingStatus,
    OutboxPurpose,
    OutboxStatus,
    Priority,
    Satisfaction,
    StationKind,
    SuggestionStatus,
    Visibility,
    utcnow,
)
from .evaluations import Ballot, Evaluation
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
from .meetings import (
    DEFAULT_CAPACITY,
    Booking,
    CheckIn,
    Meeting,
    MeetingDeputy,
    MeetingPhoto,
    Subscription,
)
from .messaging import (
    Broadcast,
    Delivery,
    DialogState,
    InboxUpdate,
    OutboxMessage,
    ProcessedUpdate,
)
from .people import Deputy, DeputyStation, InviteCode, Resident, Staff
from .publicity import PublicityArea
from .suggestions import (
    AnswerTemplate,
    Attachment,
    Category,
    Suggestion,
    TicketCounter,
    TimelineEntry,
)

__all__ = [
    "DEFAULT_CAPACITY", "ActorKind", "AddressAlias", "AnswerChannel", "Booking", "BookingStatus",
    "CheckIn", "DeputyResponse", "MeetingPhoto", "AnswerTemplate", "Attachment", "AuditEntry", "Base",
    "Broadcast", "Category", "Community", "Delivery", "Deputy", "DeputyLevel", "DeputyStation",
    "DialogState", "District", "HandlingLevel", "InviteCode", "InviteKind", "Meeting", "MeetingDeputy",
    "MeetingKind", "MeetingStatus", "OutboxMessage", "OutboxPurpose", "OutboxStatus", "Priority",
    "InboxUpdate", "ProcessedUpdate", "Resident", "Satisfaction", "Staff", "StaffChat", "StaffTopic", "Station", "StationCoverage",
    "StationKind", "Subscription", "Suggestion", "SuggestionStatus", "TicketCounter",
    "TimelineEntry", "Town", "Visibility", "utcnow",
    "ForwardedMessage", "Ballot", "Evaluation", "PublicityArea",
]
