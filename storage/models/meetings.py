"""Meetings (接待日、座谈、调研、述职) and everything around them: the deputies on a meeting and
their answers, residents' bookings (预约), sign-ins (签到), minutes' photos, and subscriptions.

What the district counts comes from these tables (``storage.meeting_counts`` has the queries):

* **meetings held** (开展活动): ``Meeting.status == "held"`` (closed with minutes, see ``closed_at``);
* **deputy attendances** (代表参加人次): ``CheckIn`` rows with ``deputy_id`` set (a deputy who
  scanned the meeting's QR or was marked present), one per deputy and meeting;
* **voter contacts** (联系选民人次): ``CheckIn`` rows with ``resident_id`` set (one per resident and
  meeting, with consent) plus ``Meeting.walk_ins`` (people without Telegram counted by staff);
* **bookings** (预约): ``Booking`` rows with status ``confirmed`` (``waiting`` = waiting list);
* **suggestions recorded on behalf** (代录): ``Suggestion.on_behalf`` (see models.suggestions),
  linked to the meeting by ``Suggestion.meeting_id`` when recorded at one.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from .base import (
    Base,
    BookingStatus,
    DeputyResponse,
    MeetingKind,
    MeetingStatus,
    UTCDateTime,
    str_enum,
    utcnow,
)

__all__ = [
    "DEFAULT_CAPACITY",
    "Meeting",
    "MeetingDeputy",
    "Booking",
    "CheckIn",
    "MeetingPhoto",
    "Subscription",
]

DEFAULT_CAPACITY = 20  # seats of a reception unless staff say otherwise


class Meeting(Base):
    """One activity at a station or home.

    ``code`` is the stable key for import/export; meetings made by ``jiazhan plan`` from the
    station's rhythm have codes ``<station>-R<YYYYMM>`` / ``<station>-F<YYYY>Q<n>`` / … (see
    ``storage.rhythm``), so planning twice finds them again. ``edited_at`` is stamped when staff
    move, edit or cancel a meeting by hand: the plan then leaves it as it is. Status: planned →
    held (closed: ``minutes``, ``closed_at``, photos in ``MeetingPhoto``) or cancelled.
    ``capacity`` is the number of bookings confirmed before the waiting list starts.
    ``checkin_token`` is the payload of the sign-in deep link (``t.me/<bot>?start=ci_<token>``).
    ``close_reminders`` counts reminders to close it sent to the staff group (after 3 and 7 days).
    """

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(48), unique=True)  # stable key for import/export
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id", ondelete="CASCADE"), index=True)
    kind: Mapped[MeetingKind] = mapped_column(str_enum(MeetingKind))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(256), default="")
    topic: Mapped[str] = mapped_column(String(256), default="")
    status: Mapped[MeetingStatus] = mapped_column(
        str_enum(MeetingStatus), default=MeetingStatus.PLANNED
    )
    notes: Mapped[str] = mapped_column(Text, default="")  # staff notes from the import sheet
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    announced_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # -- the calendar ---------------------------------------------------------------------
    capacity: Mapped[int] = mapped_column(Integer, default=DEFAULT_CAPACITY)
    person_in_charge: Mapped[str] = mapped_column(String(64), default="")  # 负责人
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    checkin_token: Mapped[str | None] = mapped_column(String(24), unique=True, nullable=True)
    walk_ins: Mapped[int] = mapped_column(Integer, default=0)  # people without Telegram
    minutes: Mapped[str] = mapped_column(Text, default="")  # 会议纪要
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_by: Mapped[int | None] = mapped_column(BigInteger, nullable=True)  # Telegram user id
    close_reminders: Mapped[int] = mapped_column(Integer, default=0)
    # Where the meeting's card lives in the staff group (edited in place).
    card_chat_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    card_thread_id: Mapped[int | None] = mapped_column(nullable=True)
    card_message_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class MeetingDeputy(Base):
    """A deputy on a meeting, and their answer (参加 / 不能参加; ``None`` = not answered yet).

    ``notified_at``: the meeting was sent to the deputy's private chat; ``reminded_at``: the
    day-before reminder went out. Attendance is not this row but a deputy ``CheckIn``.
    """

    __tablename__ = "meeting_deputies"

    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True
    )
    deputy_id: Mapped[int] = mapped_column(
        ForeignKey("deputies.id", ondelete="CASCADE"), primary_key=True
    )
    response: Mapped[DeputyResponse | None] = mapped_column(
        str_enum(DeputyResponse), nullable=True
    )
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Booking(Base):
    """预约: a resident's seat at a reception, or their place on its waiting list.

    At most one row per resident and meeting (a cancelled booking is booked again by updating
    it). ``created_at`` orders the waiting list; ``promoted_at`` is when a waiting booking moved
    up. ``topic`` is the resident's one line of what it is about.
    """

    __tablename__ = "bookings"
    __table_args__ = (UniqueConstraint("meeting_id", "resident_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    resident_id: Mapped[int] = mapped_column(
        ForeignKey("residents.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[BookingStatus] = mapped_column(str_enum(BookingStatus))
    topic: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    promoted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class CheckIn(Base):
    """签到 at a meeting, once each: a deputy (an attendance) or a resident (a voter contact).

    ``kind`` is ``deputy`` (``deputy_id`` set) or ``resident`` (``resident_id`` set; it becomes
    empty if the resident later erases their data with /forget, and the contact still counts).
    ``via`` is ``link`` (scanned the QR / opened the deep link) or ``staff`` (marked by staff).
    """

    __tablename__ = "check_ins"
    __table_args__ = (
        UniqueConstraint("meeting_id", "deputy_id"),
        UniqueConstraint("meeting_id", "resident_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    deputy_id: Mapped[int | None] = mapped_column(
        ForeignKey("deputies.id", ondelete="CASCADE"), nullable=True
    )
    resident_id: Mapped[int | None] = mapped_column(
        ForeignKey("residents.id", ondelete="SET NULL"), nullable=True
    )
    kind: Mapped[str] = mapped_column(String(8))  # deputy | resident
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    via: Mapped[str] = mapped_column(String(8), default="link")


class MeetingPhoto(Base):
    """A photo of a held meeting, sent with its minutes (Telegram file ids)."""

    __tablename__ = "meeting_photos"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    file_id: Mapped[str] = mapped_column(String(256))
    file_unique_id: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Subscription(Base):
    """A resident who wants announcements (and optionally reminders) for a station."""

    __tablename__ = "subscriptions"

    resident_id: Mapped[int] = mapped_column(
        ForeignKey("residents.id", ondelete="CASCADE"), primary_key=True
    )
    station_id: Mapped[int] = mapped_column(
        ForeignKey("stations.id", ondelete="CASCADE"), primary_key=True
    )
    remind: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
