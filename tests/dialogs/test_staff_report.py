"""/report in staff groups end to end: the period buttons, then three charts (one album) and the
workbook of the group's own area, whose numbers are checked by opening the XLSX; a bound town's
group sees only its town; outsiders and garbage buttons are refused; one report a minute."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from triage_world import STAFF_A

from bot.emulator import SimGroup
from locales import t
from storage import lifecycle
from storage.deadlines import Deadlines
from storage.models import Resident, Station, StationCoverage, Town
from storage.report import FIGURES

pytestmark = pytest.mark.e2e
TOWN_GROUP = -1003000000001
OUTSIDER = 7777


async def _towns(env: Any) -> list[tuple[str, str]]:
    """Two towns of the demo district with a liaison station: (code, name)."""
    async with env.db.reading() as s:
        rows = (await s.execute(
            select(Town.code, Town.name).join(Station, Station.town_code == Town.code)
            .join(StationCoverage, StationCoverage.station_id == Station.id)
            .distinct().order_by(Town.code).limit(2))).all()
    return [(code, name) for code, name in rows]


async def _suggestion(env: Any, user_id: int, town: str) -> str:
    """A resident of ``town`` makes a suggestion now; its ticket."""
    async with env.db.unit_of_work() as s:
        community, station_id = (await s.execute(
            select(StationCoverage.community_code, StationCoverage.station_id)
            .join(Station, Station.id == StationCoverage.station_id)
            .where(Station.town_code == town).order_by(StationCoverage.community_code).limit(1)
        )).one()
        resident = Resident(telegram_user_id=user_id, chat_id=user_id, locale="zh",
                            display_name="居民", community_code=community, station_id=station_id,
                            consent_at=env.clock.now())
        s.add(resident)
        await s.flush()
        made = await lifecycle.create_suggestion(
            s, resident_id=resident.id, station_id=station_id, category_code="urban",
            text="路灯坏了。", now=env.clock.now(), deadlines=Deadlines(),
            community_code=community)
        return made.ticket


async def _report(env: Any, group: SimGroup, label: str) -> tuple[list[Any], Any]:
    """Staff ask for /report and press ``label``: the album's photos and the workbook message."""
    before = len(group.messages())
    await group.member(STAFF_A).send("/report")
    await group.wait_until(lambda ms: any(m.buttons for m in ms[before:]), timeout=30.0)
    await group.member(STAFF_A).press(label)
    await group.wait_until(lambda ms: any(m.media == "document" for m in ms[before:]),
                           timeout=90.0)
    new = group.messages()[before:]
    return [m for m in new if m.media == "photo"], next(m for m in new if m.media == "document")


def _workbook(group: SimGroup, message: Any) -> Any:
    data = group.world.files[message.raw["document"]["file_id"]].data
    return load_workbook(io.BytesIO(data))


def _totals(book: Any) -> dict[str, Any]:
    row = next(book["合计"].iter_rows(min_row=2, max_row=2, values_only=True))
    return dict(zip(FIGURES, row, strict=False))


def _tickets(book: Any) -> set[str]:
    return {row[0] for row in book["意见建议台账"].iter_rows(min_row=2, values_only=True)}


async def test_report_in_the_staff_group_and_in_a_town_group(env) -> None:
    (town_a, name_a), (town_b, _) = await _towns(env)
    in_a = {await _suggestion(env, 6101, town_a), await _suggestion(env, 6102, town_a)}
    in_b = {await _suggestion(env, 6103, town_b)}
    town_group = env.emulator.group(TOWN_GROUP, "乡镇工作群", admins=(STAFF_A,))
    await town_group.member(STAFF_A).send(f"/bind {town_a}")
    await town_group.wait_until(lambda ms: any("现在负责" in m.text for m in ms), timeout=30.0)

    # The default staff group: the whole district.
    photos, document = await _report(env, env.staff_group, "本月")
    assert len(photos) == 3 and len({p.raw["media_group_id"] for p in photos}) == 1
    assert "2026-11-01 至 2026-11-25" in (photos[0].text or "")
    book = _workbook(env.staff_group, document)
    assert _tickets(book) == in_a | in_b
    totals = _totals(book)
    assert totals["suggestions_collected"] == 3 and totals["suggestions_online"] == 3
    assert "收集意见建议 3 件" in (document.text or "")
    assert book["乡镇"].max_row > 3  # every town of the district

    # The town's group: its town only, in charts, workbook and text.
    photos, document = await _report(env, town_group, "本季度")
    assert len(photos) == 3 and name_a in (photos[0].text or "")
    book = _workbook(town_group, document)
    assert _tickets(book) == in_a and _totals(book)["suggestions_collected"] == 2
    assert [r[1] for r in book["乡镇"].iter_rows(min_row=2, values_only=True)] == [name_a]
    assert "2026-10-01 至 2026-11-25" in (document.text or "")
    assert "收集意见建议 2 件" in (document.text or "")

    # One report a minute per group: the next press is refused with the wait.
    await town_group.member(STAFF_A).send("/report")
    await town_group.wait_until(lambda ms: bool(ms[-1].buttons), timeout=30.0)
    await town_group.member(STAFF_A).press("本年")
    await env.settle(timeout=30.0)
    answer = town_group.member(STAFF_A).callback_answers()[-1]["text"]
    assert answer.startswith(t("zh", "report_group.too_soon", seconds=0)[:10])
    assert town_group.messages()[-1].buttons  # nothing was sent
    assert env.emulator.violations == []


async def test_outsiders_and_garbage_buttons_are_refused(env) -> None:
    group = env.staff_group
    outsider = group.member(OUTSIDER)
    await outsider.send("/report")
    await group.wait_until(lambda ms: bool(ms) and ms[-1].text == t("zh", "report_group.not_staff"),
                           timeout=30.0)
    await group.member(STAFF_A).send("/report")
    await group.wait_until(lambda ms: bool(ms[-1].buttons), timeout=30.0)
    menu = group.messages()[-1]
    await outsider.press_data("rep:p:y0", menu.message_id)
    for data in ("rep:p:zz", "rep:x", "rep:p:m0:9", "rep:p:y9"):
        await group.member(STAFF_A).press_data(data, menu.message_id)
    await env.settle(timeout=30.0)
    assert outsider.callback_answers()[-1]["text"] == t("zh", "report_group.not_staff")
    answers = [a["text"] for a in group.member(STAFF_A).callback_answers()]
    assert answers == [t("zh", "report_group.bad_button")] * 4
    assert group.messages()[-1].message_id == menu.message_id and menu.buttons  # nothing sent
    assert not any(m.media for m in group.messages())

    # A group that is not a staff group: the bot stays silent.
    other = env.emulator.group(-1004000000001, "别的群", admins=(STAFF_A,))
    await other.member(STAFF_A).send("/report")
    await env.settle(timeout=30.0)
    assert other.messages() == []
    assert env.emulator.violations == []
