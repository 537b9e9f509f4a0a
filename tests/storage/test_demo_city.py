"""The city demo: every district, town and community of Beijing, deterministic, and one district
by name or code; the default stays Miyun."""

from __future__ import annotations

from collections import Counter
from datetime import date
from zoneinfo import ZoneInfo

import pytest

from storage import Database
from storage.demo import DemoAreaUnknown, build_demo, load_demo
from storage.stats import collect_stats

TZ = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 11, 25)


def test_the_city_demo_covers_every_community_once_with_deputies_at_four_levels() -> None:
    data = build_demo(TODAY, TZ, area="北京市")
    sheets = data.sheets
    assert (len(sheets["districts"]), len(sheets["towns"]), len(sheets["communities"])) == (16, 349, 7301)
    covered = Counter(r["community_code"] for r in sheets["coverage"])
    assert len(covered) == 7301 and set(covered.values()) == {1}
    homes = [s for s in sheets["stations"] if s["kind"] == "home"]
    assert {h["town_code"][:6] for h in homes} == {d["code"] for d in sheets["districts"]}
    assert {d["level"] for d in sheets["deputies"]} == {"national", "municipal", "district", "town"}
    codes = [d["code"] for d in sheets["deputies"]]
    names = [d["name"] for d in sheets["deputies"]]
    assert len(set(codes)) == len(codes) and len(set(names)) == len(names)
    with_deputies = {r["station_code"] for r in sheets["deputy_stations"]}
    assert {s["code"] for s in sheets["stations"]} <= with_deputies
    planned = Counter(m["kind"] for m in sheets["meetings"] if m["status"] == "planned")
    liaison = sum(1 for s in sheets["stations"] if s["kind"] == "station")
    assert planned == {"reception": 3 * liaison, "forum": len(homes)}  # 3 months, 1 quarter
    assert all("密云区" not in s["address"] for s in sheets["stations"] if s["town_code"][:6] != "110118")
    assert build_demo(TODAY, TZ, area="北京市") == data  # deterministic


def test_one_district_by_name_or_code_and_the_default_is_miyun() -> None:
    by_name = build_demo(TODAY, TZ, area="昌平区")
    assert by_name == build_demo(TODAY, TZ, area="110114") == build_demo(TODAY, TZ, area="昌平")
    assert [d["name"] for d in by_name.sheets["districts"]] == ["昌平区"]
    assert build_demo(TODAY, TZ) == build_demo(TODAY, TZ, area="密云区")
    with pytest.raises(DemoAreaUnknown):
        build_demo(TODAY, TZ, area="火星区")


async def test_stats_of_the_city_demo(db: Database) -> None:
    async with db.unit_of_work() as session:
        await load_demo(session, today=TODAY, tz=TZ, area="北京市")
    async with db.reading() as session:
        stats = await collect_stats(session, tz=TZ)
    assert (stats["districts"], stats["towns"], stats["communities"]) == (16, 349, 7301)
    assert stats["communities_covered"] == 7301
    per_district = {d["name"]: d for d in stats["per_district"]}
    assert len(per_district) == 16 and per_district["密云区"]["communities"] == 429
    assert sum(d["stations"] for d in per_district.values()) == stats["stations"]["total"]
