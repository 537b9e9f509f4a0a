"""A city deployment end to end: residents of two districts reach their own stations, a name in
many districts asks for the district first, and the area is called 北京市."""

from __future__ import annotations

import pytest
from resident_steps import resident_of, station_name_for, user_for
from sqlalchemy import select

from locales import t
from storage.models import Community

pytestmark = pytest.mark.e2e
CITY = [{"city": True}]
SLOW = 30.0  # the city's address index is built on the first address: generous under load


@pytest.fixture(autouse=True)
async def _warm(env) -> None:  # type: ignore[no-untyped-def]
    """Build the address index before the resident types, as the running service soon does."""
    from dialogs.resident.onboarding import refresh_router

    await refresh_router(env.service.services)


async def _code(env, name: str, town: str) -> str:  # type: ignore[no-untyped-def]
    from storage.models import Town

    async with env.db.reading() as s:
        return str(await s.scalar(
            select(Community.code).join(Town, Town.code == Community.town_code)
            .where(Community.short_name == name, Town.name == town)))


@pytest.mark.parametrize("env", CITY, indirect=True)
async def test_residents_of_two_districts_reach_their_own_stations(env) -> None:
    for user_id, address, name, town in ((4101, "北京市昌平区回龙观街道回龙观村", "回龙观村", "回龙观街道"),
                                         (4102, "密云区溪翁庄镇金叵罗村", "金叵罗村", "溪翁庄镇")):
        user = user_for(env, "zh", user_id)
        await user.send("/start")
        (welcome,) = await user.wait_for(timeout=SLOW)
        assert welcome.text.startswith("北京市人大代表家站")
        await user.press(t("zh", "onboarding.agree"))
        await user.wait_until(lambda ms: bool(ms) and t("zh", "onboarding.share_location") in ms[-1].labels,
                              timeout=SLOW)
        await user.send(address)
        await user.wait_for(timeout=SLOW)
        assert name in user.last().text and town in user.last().text
        await user.press(t("zh", "onboarding.confirm"))
        await user.wait_until(lambda ms: t("zh", "station.btn_change") in ms[-1].labels, timeout=SLOW)
        code = await _code(env, name, town)
        resident = await resident_of(env, user)
        assert resident is not None and resident.community_code == code
        station_id, station_name = await station_name_for(env, code)
        assert resident.station_id == station_id
        assert station_name in user.last().text
    assert env.emulator.violations == []


@pytest.mark.parametrize("env", CITY, indirect=True)
async def test_a_name_in_fourteen_places_asks_for_the_district_then_the_town(env) -> None:
    user = user_for(env, "zh", 4103)
    await user.send("/start")
    await user.wait_for(timeout=SLOW)
    await user.press(t("zh", "onboarding.agree"))
    await user.wait_until(lambda ms: bool(ms) and t("zh", "onboarding.share_location") in ms[-1].labels,
                          timeout=SLOW)
    await user.send("辛庄村")
    await user.wait_for(timeout=SLOW)
    question = user.last()
    assert "14" in question.text
    assert "昌平区（4 处）" in question.labels  # callback data ≤ 64 bytes: the emulator checks
    assert len([label for row in question.buttons for label in row]) == 6 + 1  # districts, retype
    await user.press("昌平区（4 处）")
    await user.wait_until(lambda ms: any("阳坊镇" in label for label in ms[-1].labels), timeout=SLOW)
    towns = [label for label in user.last().labels if label.startswith("辛庄村")]
    assert len(towns) == 4
    await user.press("辛庄村（阳坊镇）")
    await user.wait_until(lambda ms: t("zh", "station.btn_change") in ms[-1].labels, timeout=SLOW)
    resident = await resident_of(env, user)
    assert resident is not None and resident.community_code == await _code(env, "辛庄村", "阳坊镇")
    assert env.emulator.violations == []
