"""A suggestion draft's rules (what may be added, what is refused and leaves it unchanged), its
JSON round trip, and what a draft may choose from (categories, a station's deputies)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from storage import Database
from storage.categories import DEFAULT_CATEGORIES, ensure_categories
from storage.deputies import station_deputies
from storage.drafts import (
    MAX_PHOTOS,
    MAX_VOICES,
    Draft,
    DraftError,
    is_greeting,
    list_categories,
    split_point,
)
from storage.lifecycle import MAX_ATTACHMENTS, MAX_SUGGESTION_TEXT
from storage.models import (
    Deputy,
    DeputyLevel,
    DeputyStation,
    District,
    Station,
    StationKind,
    Town,
)


def test_texts_are_joined_and_kept_over_the_limit_until_the_hard_cap() -> None:
    draft = Draft(station_id=1)
    assert draft.add_text("  路灯坏了 ", limit=20) == 4
    assert draft.add_text("晚上很黑", limit=20) == 9
    assert draft.text == "路灯坏了\n晚上很黑" and draft.over_by(20) == 0
    assert draft.add_text("长" * 21, limit=20) == 31  # kept: the resident shortens or splits
    assert draft.over_by(20) == 11
    with pytest.raises(DraftError) as beyond:
        draft.add_text("长" * MAX_SUGGESTION_TEXT)
    assert beyond.value.key == "suggest.limit.too_long_total"
    assert beyond.value.fields["total"] == 32 + MAX_SUGGESTION_TEXT
    with pytest.raises(DraftError):
        draft.add_text("   ", limit=20)
    assert draft.parts == ["路灯坏了", "晚上很黑", "长" * 21]


def test_a_too_long_text_splits_at_a_line_break_then_a_sentence_end() -> None:
    draft = Draft(station_id=1, parts=["一" * 15 + "\n" + "二" * 10])
    assert draft.split(20) == "二" * 10
    assert draft.parts == ["一" * 15] and draft.rest == "二" * 10
    assert split_point("甲" * 12 + "。" + "乙" * 12, 20) == 13
    assert split_point("甲" * 30, 20) == 20  # no place to cut nicely: at the limit
    assert split_point("甲乙", 20) == 2


def test_greetings_are_not_suggestions() -> None:
    for text in ("你好", "您好！", "在吗？", "Hello!", "ok", "👍", "谢谢您"):
        assert is_greeting(text), text
    for text in ("路灯坏了", "村口路灯坏了三个月", "The bus stop sign is broken"):
        assert not is_greeting(text), text


def test_photos_and_voices_have_their_limits() -> None:
    assert MAX_PHOTOS + MAX_VOICES <= MAX_ATTACHMENTS
    draft = Draft(station_id=1)
    for n in range(MAX_PHOTOS):
        assert draft.add_photo(f"file{n}", f"u{n}") == n + 1
    assert draft.add_photo("again", "u0") == MAX_PHOTOS  # the same photo twice counts once
    with pytest.raises(DraftError) as refused:
        draft.add_photo("one-more", "u-extra")
    assert refused.value.fields == {"limit": MAX_PHOTOS}
    for n in range(MAX_VOICES):
        draft.add_voice(f"voice{n}", f"v{n}")
    with pytest.raises(DraftError):
        draft.add_voice("voice-extra", "v-extra")
    kinds = [kind for kind, _, _ in draft.attachments()]
    assert kinds == ["photo"] * MAX_PHOTOS + ["voice"] * MAX_VOICES
    with pytest.raises(DraftError):
        draft.set_location(91.0, 116.8)
    assert draft.latitude is None and not draft.location_done


def test_missing_steps_in_order() -> None:
    draft = Draft(station_id=1)
    assert draft.missing() == "category"
    draft.category = "urban"
    assert draft.missing() == "text"
    draft.add_voice("voice", "v")  # a voice message alone is content
    assert draft.missing() == "recipient"
    draft.recipient_done = True
    assert draft.missing() == "identity"
    draft.share_identity = True
    assert draft.missing() == "identity"  # sharing needs the phone from the contact button
    draft.contact_phone = "+8613800138000"
    assert draft.missing() is None


def test_json_round_trip_and_garbage() -> None:
    draft = Draft(station_id=7, community_code="110118101202", category="urban",
                  parts=["a", "b"], photos=[("f", "u")], voices=[("v", "w")], latitude=40.1,
                  longitude=116.2, location_done=True, deputy_id=3, recipient_done=True,
                  share_identity=True, contact_name="张三", contact_phone="+86138",
                  step="preview", editing=True)
    assert Draft.from_json(draft.to_json()) == draft
    assert Draft.from_json(None) is None
    assert Draft.from_json({"station_id": "7"}) is None
    odd = Draft.from_json({"station_id": 7, "parts": ["ok", 3, None], "photos": [["a"], 5],
                           "latitude": 40.0, "longitude": None, "share_identity": "yes",
                           "deputy_id": True})
    assert odd is not None
    assert (odd.parts, odd.photos, odd.latitude, odd.share_identity, odd.deputy_id) == (
        ["ok"], [], None, None, None)


async def test_categories_in_the_districts_order(db: Database) -> None:
    async with db.unit_of_work() as s:
        await ensure_categories(s)
    async with db.reading() as s:
        codes = [c.code for c in await list_categories(s)]
    assert codes == [spec.code for spec in DEFAULT_CATEGORIES]


async def test_station_deputies_active_only_national_first(db: Database) -> None:
    async with db.unit_of_work() as s:
        s.add(District(code="110118", name="密云区"))
        s.add(Town(code="110118101", name="溪翁庄镇", short_name="溪翁庄"))
        await s.flush()
        for code in ("S1", "S2"):
            s.add(Station(code=code, kind=StationKind.STATION, name=code, town_code="110118101"))
        people = [("d1", "王芳", DeputyLevel.TOWN, True), ("d2", "李强", DeputyLevel.NATIONAL, True),
                  ("d3", "赵敏", DeputyLevel.DISTRICT, False), ("d4", "陈刚", DeputyLevel.TOWN, True)]
        for code, name, level, active in people:
            s.add(Deputy(code=code, name=name, level=level, active=active))
        await s.flush()
        station = {st.code: st.id for st in await s.scalars(select(Station))}
        deputy = {d.code: d.id for d in await s.scalars(select(Deputy))}
        for code in ("d1", "d2", "d3"):
            s.add(DeputyStation(deputy_id=deputy[code], station_id=station["S1"]))
        s.add(DeputyStation(deputy_id=deputy["d4"], station_id=station["S2"]))
    async with db.reading() as s:
        names = [d.name for d in await station_deputies(s, station["S1"])]
    assert names == ["李强", "王芳"]


def test_a_typed_mainland_mobile_number_is_found() -> None:
    from storage.drafts import typed_mobile

    for text in ("我的电话是13800138000", "+86 138-0013-8000", "１３８００１３８０００", "电话 138 0013 8000"):
        assert typed_mobile(text) == "13800138000", text
    for text in ("12345678901", "138001380001", "13800138000 13900139000", "010-11800403", "我的电话"):
        assert typed_mobile(text) is None, text
