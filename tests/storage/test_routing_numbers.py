"""Names with a number in them (翠微路21号社区, 车站西街十五号院社区, 309医院社区) keep it, and
still a building number after a name is a tail to cut."""

from __future__ import annotations

import pytest

from storage.divisions import load_city_divisions
from storage.routing import CommunityEntry, Router, RouteStatus, TownEntry
from storage.routing.normalize import name_key, prepare
from storage.routing.numbers import spell_numbers

CUIWEILU_21 = "110108001002"  # 翠微路21号社区, beside 翠微路社区 (110108001001)
CHEZHAN_15 = "110102020007"  # 车站西街十五号院社区, beside 车站西街社区 (110102020006)
BEIYUAN_3 = "110105032015"  # 北苑三号院社区, beside 北苑社区
FUXINGLU_61 = "110108001011"  # one of a dozen 复兴路N号社区 in the same street
FUXINGLU_28 = "110108001021"
HOSPITAL_304 = "110108005003"  # 三0四医院社区
HOSPITAL_309 = "110108013020"  # 309医院社区
UNIT_1201 = "110108018032"  # 1201社区


@pytest.fixture(scope="module")
def router() -> Router:
    city = load_city_divisions()
    return Router.from_entries(
        [TownEntry(t.code, t.name, t.short_name) for t in city.towns],
        [CommunityEntry(c.code, c.name, c.short_name, c.town_code, c.unit_type)
         for c in city.communities],
    )


@pytest.mark.parametrize(
    ("text", "spelled"),
    [("翠微路21号", "翠微路二十一号"), ("十五号院", "十五号院"), ("15号院", "十五号院"),
     ("甲7号", "甲七号"), ("189号院", "一百八十九号院"), ("104号", "一百零四号"),
     ("110号", "一百一十号"), ("309医院", "三零九医院"), ("三0四医院", "三零四医院"),
     ("三〇四医院", "三零四医院"), ("1201社区", "一二零一社区"), ("030院", "零三零院"),
     ("太平路22", "太平路二十二")],
)
def test_numbers_are_spelled_as_they_are_read(text: str, spelled: str) -> None:
    assert spell_numbers(text) == spelled


def test_a_name_and_its_typed_forms_key_the_same() -> None:
    assert name_key("翠微路21号社区居委会") == prepare("翠微路21號社區").text + "居委会"
    assert prepare("车站西街十五号院社区").text == prepare("车站西街15号院社区").text
    assert name_key("复兴路20号社区") != name_key("复兴路22号社区")  # digits are no longer dropped


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("翠微路21号社区", CUIWEILU_21),
        ("翠微路21号", CUIWEILU_21),  # the short name without 社区: a house number, tried first
        ("海淀区翠微路21号社区3号楼2单元", CUIWEILU_21),
        ("翠微路二十一号社区", CUIWEILU_21),
        ("车站西街十五号院社区", CHEZHAN_15),
        ("车站西街15号院", CHEZHAN_15),
        ("北苑三号院社区二单元", BEIYUAN_3),
        ("复兴路61号社区", FUXINGLU_61),
        ("复兴路28号社区旁边", FUXINGLU_28),
        ("fu xing lu 61 hao shequ", FUXINGLU_61),
        ("三0四医院社区", HOSPITAL_304),
        ("304医院社区", HOSPITAL_304),
        ("309医院社区", HOSPITAL_309),
        ("海淀区1201社区", UNIT_1201),
    ],
)
def test_a_number_in_a_name_is_kept(router: Router, query: str, code: str) -> None:
    result = router.route(query)
    assert result.status is RouteStatus.MATCHED, (query, result)
    assert result.candidates[0].code == code


@pytest.mark.parametrize(
    ("query", "name"),
    [("翠微路社区3号楼2单元301", "翠微路社区"), ("车站西街社区12号", "车站西街社区"),
     ("北苑社区5排8号", "北苑社区")],
)
def test_a_building_number_after_a_name_is_still_a_tail(router: Router, query: str, name: str) -> None:
    result = router.route(query)
    assert result.status is RouteStatus.MATCHED, (query, result)
    assert result.candidates[0].name == name
