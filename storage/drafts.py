"""A suggestion draft while the resident writes it, and what it may choose from.

The draft is plain JSON kept in the resident's dialog state (so it survives restarts and
abandonment); :class:`Draft` reads it back defensively (state written by an older version, or
tampered with, never crashes a dialog) and holds the rules of what may be added to it. The
configurable text limit comes from the caller; photo and voice limits are fixed here, below the
lifecycle's hard cap on attachments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .categories import list_categories
from .lifecycle import MAX_SUGGESTION_TEXT

__all__ = [
    "MAX_PHOTOS",
    "MAX_VOICES",
    "Draft",
    "DraftError",
    "is_greeting",
    "list_categories",  # re-exported: what a draft may choose from
    "looks_like_prose",
    "split_point",
    "typed_mobile",
]

MAX_PHOTOS = 5
MAX_VOICES = 3


class DraftError(Exception):
    """Something could not be added to the draft; the draft is unchanged.

    ``key`` is a catalogue key (``suggest.limit.*``) and ``fields`` its placeholders.
    """

    def __init__(self, key: str, **fields: object) -> None:
        super().__init__(key)
        self.key = f"suggest.limit.{key}"
        self.fields = fields


def _files(value: Any) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for item in value if isinstance(value, list) else []:
        if isinstance(item, list) and len(item) == 2 and all(isinstance(x, str) for x in item):
            out.append((item[0], item[1]))
    return out


def _float(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


@dataclass
class Draft:
    """What the resident has written so far (``None``: not chosen yet)."""

    station_id: int
    community_code: str | None = None
    category: str | None = None
    parts: list[str] = field(default_factory=list)
    photos: list[tuple[str, str]] = field(default_factory=list)  # (file_id, file_unique_id)
    voices: list[tuple[str, str]] = field(default_factory=list)
    latitude: float | None = None
    longitude: float | None = None
    location_done: bool = False
    deputy_id: int | None = None
    recipient_done: bool = False
    share_identity: bool | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    contact_phone_typed: bool = False  # typed by the resident, not shared through Telegram
    step: str = "category"  # where the resident was, to continue there after a break
    editing: bool = False  # changing one thing from the preview: back to it afterwards
    # Begun from something written outside the dialog: after the category, straight to the
    # preview (all the station's deputies, anonymous; both can be changed there).
    quick: bool = False
    rest: str | None = None  # the part left over after splitting a too long text, sent next

    # ---- JSON in the dialog state ---------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        return {
            "station_id": self.station_id, "community_code": self.community_code,
            "category": self.category, "parts": list(self.parts),
            "photos": [list(p) for p in self.photos], "voices": [list(v) for v in self.voices],
            "latitude": self.latitude, "longitude": self.longitude,
            "location_done": self.location_done, "deputy_id": self.deputy_id,
            "recipient_done": self.recipient_done, "share_identity": self.share_identity,
            "contact_name": self.contact_name, "contact_phone": self.contact_phone,
            "contact_phone_typed": self.contact_phone_typed,
            "step": self.step, "editing": self.editing, "quick": self.quick,
            "rest": self.rest,
        }

    @classmethod
    def from_json(cls, data: Any) -> Draft | None:
        """The draft in ``data``, or None when there is none (or it is beyond repair)."""
        if not isinstance(data, dict) or _int(data.get("station_id")) is None:
            return None
        parts = [p for p in data.get("parts") or [] if isinstance(p, str) and p]
        latitude, longitude = _float(data.get("latitude")), _float(data.get("longitude"))
        if latitude is None or longitude is None:
            latitude = longitude = None
        share = data.get("share_identity")
        return cls(
            station_id=int(data["station_id"]),
            community_code=_str(data.get("community_code")),
            category=_str(data.get("category")),
            parts=parts,
            photos=_files(data.get("photos"))[:MAX_PHOTOS],
            voices=_files(data.get("voices"))[:MAX_VOICES],
            latitude=latitude,
            longitude=longitude,
            location_done=data.get("location_done") is True,
            deputy_id=_int(data.get("deputy_id")),
            recipient_done=data.get("recipient_done") is True,
            share_identity=share if isinstance(share, bool) else None,
            contact_name=_str(data.get("contact_name")),
            contact_phone=_str(data.get("contact_phone")),
            contact_phone_typed=data.get("contact_phone_typed") is True,
            step=_str(data.get("step")) or "category",
            editing=data.get("editing") is True,
            quick=data.get("quick") is True,
            rest=_str(data.get("rest")),
        )

    # ---- content --------------------------------------------------------------------------
    @property
    def text(self) -> str:
        return "\n".join(self.parts).strip()

    @property
    def has_content(self) -> bool:
        return bool(self.text or self.voices)

    def add_text(self, text: str, *, limit: int = MAX_SUGGESTION_TEXT) -> int:
        """Append one message; returns the new total length. Nothing a resident writes is
        refused for being over the dialog's limit (they shorten or split it before sending, see
        :meth:`over_by`); only past ``MAX_SUGGESTION_TEXT`` altogether is a message refused."""
        piece = text.strip()
        if not piece:
            raise DraftError("empty")
        total = len("\n".join([*self.parts, piece]))
        if total > MAX_SUGGESTION_TEXT:
            raise DraftError("too_long_total", length=len(piece), total=total,
                             limit=MAX_SUGGESTION_TEXT)
        self.parts.append(piece)
        return total

    def over_by(self, limit: int) -> int:
        """How many characters the text is over ``limit`` (0 when within it)."""
        return max(0, len(self.text) - min(limit, MAX_SUGGESTION_TEXT))

    def split(self, limit: int) -> str:
        """Keep the first part of a too long text (up to ``limit``, cut after a sentence where
        possible) and put the rest aside in :attr:`rest`, to be sent as the next suggestion."""
        text = self.text
        cut = split_point(text, min(limit, MAX_SUGGESTION_TEXT))
        first, rest = text[:cut].strip(), text[cut:].strip()
        self.parts = [first] if first else []
        self.rest = "\n".join(p for p in (rest, self.rest or "") if p) or None
        return rest

    def add_photo(self, file_id: str, unique_id: str) -> int:
        """Add a photo (the same photo twice counts once); returns how many there are."""
        if any(u == unique_id for _, u in self.photos if unique_id):
            return len(self.photos)
        if len(self.photos) >= MAX_PHOTOS:
            raise DraftError("too_many_photos", limit=MAX_PHOTOS)
        self.photos.append((file_id, unique_id))
        return len(self.photos)

    def add_voice(self, file_id: str, unique_id: str) -> int:
        if len(self.voices) >= MAX_VOICES:
            raise DraftError("too_many_voices", limit=MAX_VOICES)
        self.voices.append((file_id, unique_id))
        return len(self.voices)

    def set_location(self, latitude: float, longitude: float) -> None:
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise DraftError("bad_location")
        self.latitude, self.longitude, self.location_done = latitude, longitude, True

    def attachments(self) -> list[tuple[str, str, str]]:
        """(kind, file_id, file_unique_id) as :func:`storage.lifecycle.create_suggestion` takes."""
        return [("photo", f, u) for f, u in self.photos] + [("voice", f, u) for f, u in self.voices]

    def missing(self) -> str | None:
        """The first step still to do before the draft can be previewed, or None."""
        if self.category is None:
            return "category"
        if not self.has_content:
            return "text"
        if not self.recipient_done:
            return "recipient"
        if self.share_identity is None or (self.share_identity and not self.contact_phone):
            return "identity"
        return None


_SENTENCE_ENDS = "。！？!?；;\n"
_GREETINGS = frozenset({
    "你好", "您好", "你好啊", "您好啊", "在吗", "在不在", "有人吗", "谢谢", "谢谢你", "谢谢您",
    "早上好", "上午好", "中午好", "下午好", "晚上好", "好的", "收到", "嗯", "哦", "喂",
    "hi", "hello", "hey", "hi there", "hello there", "thanks", "thank you", "ok", "okay", "good morning", "good evening",
})
_NOT_WORDS = re.compile(r"[\s\W_]+", re.UNICODE)
GREETING_CHARS = 3  # this short (letters only) is never a suggestion


def split_point(text: str, limit: int) -> int:
    """Where to cut ``text`` so the first part has at most ``limit`` characters: after the last
    line break in the second half of that span, else after the last sentence end there, else at
    the limit."""
    if len(text) <= limit:
        return len(text)
    head = text[:limit]
    for marks in ("\n", _SENTENCE_ENDS):
        best = max(head.rfind(mark) for mark in marks)
        if best >= limit // 2:
            return best + 1
    return limit


def is_greeting(text: str) -> bool:
    """A greeting or an acknowledgement, not something to keep as a suggestion."""
    folded = _NOT_WORDS.sub(" ", text.lower()).strip()
    return len(folded.replace(" ", "")) <= GREETING_CHARS or folded in _GREETINGS


def looks_like_prose(text: str) -> bool:
    """Sentences rather than an address: long, or with sentence punctuation inside."""
    stripped = text.strip()
    return len(stripped) >= 20 or any(mark in stripped[:-1] for mark in "，。！？,!?")


_MOBILE = re.compile(r"(?<!\d)(?:\+?86[\s-]?)?(1[3-9]\d(?:[\s-]?\d){8})(?!\d)")


def typed_mobile(text: str) -> str | None:
    """A mainland China mobile number in what the resident typed (「我的电话是138 0013 8000」,
    +86 138-0013-8000), as 11 digits; None when there is none, or more than one."""
    found = {re.sub(r"[\s-]", "", m.group(1)) for m in _MOBILE.finditer(text.translate(_FULL_WIDTH))}
    return found.pop() if len(found) == 1 else None


_FULL_WIDTH = str.maketrans("０１２３４５６７８９＋－", "0123456789+-")
