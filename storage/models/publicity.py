"""公示: a staff group that publishes its area's monthly "你说我办" results to subscribers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow

__all__ = ["PublicityArea"]


class PublicityArea(Base):
    """One staff group's 公示 setting (``/publicity on|off``) for the area it covers: a town, a
    district, or (both codes empty: the default staff group) the whole service area.

    ``last_month`` (``YYYY-MM``) is the last month whose post was started: claimed by a
    conditional update, so a month is posted once across restarts and processes.
    ``last_broadcast_id`` and ``last_card_outbox_id`` tie that post's progress card (an outbox
    row) to its broadcast, so the card can be edited in place once it is out."""

    __tablename__ = "publicity_areas"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    district_code: Mapped[str | None] = mapped_column(ForeignKey("districts.code"), nullable=True)
    town_code: Mapped[str | None] = mapped_column(ForeignKey("towns.code"), nullable=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    changed_by: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_month: Mapped[str | None] = mapped_column(String(7), nullable=True)
    last_broadcast_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_card_outbox_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
