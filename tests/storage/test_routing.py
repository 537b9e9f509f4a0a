"""Address routing on the real Miyun divisions: the issue's examples and the hard cases."""

from __future__ import annotations

import json
import math

import pytest

from storage.routing import (
    AliasEntry,
    Reason,
    Router,
    RouteStatus,
    StationPoint,
    StationRef,
    read_divisions,
)

XIWENG_TOWN = "110118101"
JINPOLUO = "110118101202"  # 金叵罗村, 溪翁庄镇


@pytest.fixture(scope="module")
def router() -> Router:
    return Router.from_entries(*read_divisions())


def names(result) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return [(c.name, c.town) for c in result.candidates]


@pytest.mark.parametrize(
    ("query", "name", "town"),
    [
        ("溪翁庄金叵罗", "金叵罗村", "溪翁庄镇"),
        ("密云区鼓楼街道宾阳西里社区3号楼2单元", "宾阳西里社区", "鼓楼街道"),
        ("太師屯鎮東學各莊", "东学各庄村", "太师屯镇"),
        ("澜茵山小区", "澜茵山社区", "溪翁庄镇"),
        ("ｊｉｎｐｏｌｕｏ", "金叵罗村", "溪翁庄镇"),
        ("jin po luo cun", "金叵罗村", "溪翁庄镇"),
        ("北京市密云县金叵罗村民委员会", "金叵罗村", "溪翁庄镇"),
        ("金坡罗", "金叵罗村", "溪翁庄镇"),  # homophone
        ("十里铺", "十里堡村", "十里堡镇"),  # homophone of the phrase reading shi li pu
        ("我家在金叵罗村东头", "金叵罗村", "溪翁庄镇"),
        ("西田各庄镇董各庄村", "董各庄村", "西田各庄镇"),
        ("不老屯董各庄", "董各庄村", "不老屯镇"),
        ("古北口村", "古北口村", "古北口镇"),
        ("古北口社区居委会", "古北口社区", "古北口镇"),
        ("檀营第1社区", "第一社区", "檀营地区"),
        ("太师屯镇社区", "太师屯镇社区", "太师屯镇"),
        ("沿村村委会", "沿村", "西田各庄镇"),
        ("东学各", "东学各庄村", "太师屯镇"),  # dropped character
    ],
)
def test_matches(router: Router, query: str, name: str, town: str) -> None:
    result = router.route(query)
    assert result.status is RouteStatus.MATCHED, result
    assert names(result) == [(name, town)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("董各庄村", {("董各庄村", "西田各庄镇"), ("董各庄村", "不老屯镇")}),
        ("古北口", {("古北口村", "古北口镇"), ("古北口社区", "古北口镇")}),
        ("第一社区", {("第一社区", "檀营地区"), ("第一社区", "溪翁庄镇")}),
        ("沿村", {("沿村", "西田各庄镇"), ("沿村社区", "西田各庄镇")}),
        ("不老屯燕落", {("燕落村", "不老屯镇"), ("燕落社区", "不老屯镇")}),
    ],
)
def test_duplicates_are_offered_not_guessed(
    router: Router, query: str, expected: set[tuple[str, str]]
) -> None:
    result = router.route(query)
    assert result.status is RouteStatus.AMBIGUOUS
    assert result.reason == Reason.DUPLICATE_NAME
    assert set(names(result)) == expected


def test_close_neighbours_are_offered_not_guessed(router: Router) -> None:
    result = router.route("上巴子")  # as close to 上甸子 as to 上庄子
    assert result.status is RouteStatus.AMBIGUOUS
    assert {"上甸子村", "上庄子村"} <= {c.name for c in result.candidates}
    assert 2 <= len(result.candidates) <= 5


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("", Reason.EMPTY),
        ("   ", Reason.EMPTY),
        ("x" * 5000, Reason.TOO_LONG),
        ("北京市昌平区回龙观", Reason.OUTSIDE_AREA),
        ("北京市怀柔区金叵罗村", Reason.OUTSIDE_AREA),
        ("上海市浦东新区", Reason.OUTSIDE_AREA),
        ("河北省承德市滦平县", Reason.OUTSIDE_AREA),
        ("你好", Reason.NOT_RECOGNISED),
        ("我要投诉", Reason.NOT_RECOGNISED),
        ("123", Reason.NOT_RECOGNISED),
        ("😀", Reason.NOT_RECOGNISED),
        ("hello", Reason.NOT_RECOGNISED),
        ("溪翁庄镇", Reason.TOWN_ONLY),
        ("果园", Reason.TOWN_ONLY),
        ("溪翁庄镇回龙观", Reason.TOWN_ONLY),
    ],
)
def test_none_with_reason(router: Router, query: str, reason: Reason) -> None:
    result = router.route(query)
    assert result.status is RouteStatus.NONE
    assert result.reason == reason
    assert result.candidates == ()


def test_town_mismatch_is_offered_not_matched(router: Router) -> None:
    result = router.route("不老屯镇金叵罗村")
    assert result.status is RouteStatus.AMBIGUOUS
    assert result.reason == Reason.TOWN_MISMATCH
    assert names(result) == [("金叵罗村", "溪翁庄镇")]


def test_json_shape(router: Router) -> None:
    station = StationRef(7, "溪翁庄镇人大代表之家", "home")
    towns, communities = read_divisions()
    routed = Router.from_entries(towns, communities, stations_by_community={JINPOLUO: station})
    data = routed.route("金叵罗").to_json()
    assert json.loads(json.dumps(data, ensure_ascii=False)) == {
        "query": "金叵罗",
        "status": "matched",
        "reason": None,
        "candidates": [
            {
                "code": JINPOLUO,
                "name": "金叵罗村",
                "town": "溪翁庄镇",
                "district": "密云区",
                "station": {"id": 7, "name": "溪翁庄镇人大代表之家", "kind": "home"},
                "score": 1.0,
            }
        ],
    }
    assert router.route("金叵罗").to_json()["candidates"][0]["station"] is None


def test_aliases_route_like_names() -> None:
    towns, communities = read_divisions()
    aliases = [
        AliasEntry("鼓楼南大街", "110118001003", "road"),
        AliasEntry("檀溪名苑小区", JINPOLUO, "compound"),
        AliasEntry("旧名", "999999999999", "old_name"),  # unknown community: ignored
    ]
    routed = Router.from_entries(towns, communities, aliases)
    assert names(routed.route("鼓楼南大街15号")) == [("鼓楼南区社区", "鼓楼街道")]
    assert routed.route("gulou nandajie").status is RouteStatus.MATCHED
    assert names(routed.route("檀溪名苑")) == [("金叵罗村", "溪翁庄镇")]
    assert names(routed.route("檀溪名院小区")) == [("金叵罗村", "溪翁庄镇")]  # typo in an alias


def test_unknown_town_is_refused() -> None:
    towns, communities = read_divisions()
    with pytest.raises(ValueError, match="unknown towns"):
        Router.from_entries(towns[:1], communities)


def test_nearest_station() -> None:
    towns, communities = read_divisions()
    points = [
        StationPoint(1, "鼓楼街道人大代表之家", "home", 40.3769, 116.8431),
        StationPoint(2, "古北口镇人大代表之家", "home", 40.6960, 117.1530),
    ]
    routed = Router.from_entries(towns, communities, station_points=points)
    found = routed.nearest(40.6900, 117.1500)
    assert found is not None
    station, metres = found
    assert station == StationRef(2, "古北口镇人大代表之家", "home")
    assert 600 < metres < 800
    assert Router.from_entries(towns, communities).nearest(40.0, 116.0) is None
    with pytest.raises(ValueError):
        routed.nearest(math.nan, 116.0)
    with pytest.raises(ValueError):
        routed.nearest(91.0, 116.0)


def test_a_town_alone_and_the_stations_near_a_location() -> None:
    from storage.routing import CommunityEntry, StationPoint, StationRef, TownEntry

    towns = [TownEntry("110000001", "甲镇"), TownEntry("110000002", "乙镇")]
    communities = [CommunityEntry(f"11000000{t}00{n}", f"{name}村民委员会", f"{name}村",
                                  f"11000000{t}", "village_committee")
                   for t, n, name in ((1, 1, "东庄"), (1, 2, "西庄"), (2, 1, "南庄"))]
    near, far, home = StationRef(1, "东庄站", "station"), StationRef(2, "南庄站", "station"), \
        StationRef(3, "甲镇之家", "home")
    router = Router.from_entries(
        towns, communities, (),
        {communities[0].code: near, communities[1].code: near, communities[2].code: far},
        [StationPoint(3, home.name, "home", 40.0, 116.0), StationPoint(1, near.name, "station", 40.01, 116.0),
         StationPoint(2, far.name, "station", 40.2, 116.0)])
    town = router.town_named("甲镇")
    assert town is not None and town.code == "110000001"
    assert [c.name for c in router.communities_of(town.code)] == ["东庄村", "西庄村"]
    assert router.town_named("东庄村") is None
    found = router.nearby(40.0, 116.0)  # the home is nearest but serves nobody: left out
    assert [(s.name, [c.name for c in served]) for s, _, served in found] == [
        ("东庄站", ["东庄村", "西庄村"]), ("南庄站", ["南庄村"])]
    assert found[0][1] < found[1][1]
