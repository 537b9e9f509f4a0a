"""Numbers in place names: 翠微路21号社区, 车站西街十五号院社区, 三0四医院社区, 1201社区.

A name and a query key numbers the same way, in hanzi (the index keys hanzi and pinyin only):
a house number (digits before 号) is read as said, 21号 → 二十一号, so 十五号院 and 15号院 meet;
any other run of digits is read digit by digit, 309 → 三零九, 1201 → 一二零一 (〇 and 0 are 零).
In pinyin the same readings are spelled out (61hao → liushiyihao).

Building and unit numbers are a tail to cut (金叵罗村3号楼2单元): :func:`cut_tail` keeps a number
that is part of a name, and on request (``keep_house``) a house number as well, for the router
to try the name with it first (翠微路21号 is a community, 金叵罗村12号 a door in a village).
"""

from __future__ import annotations

import re

__all__ = ["NUMERALS", "TAIL", "cut_tail", "spell_numbers", "spell_latin_numbers"]

NUMERALS = "一二三四五六七八九十百零〇两"
TAIL = re.compile(
    rf"[0-9]|[{NUMERALS}]+(?:号楼|号院|号|栋|幢|单元|室|层|楼|排|组)"
    r"|旁边|旁|附近|对面|对过|隔壁|边上|后边|后面|前边|前面|里面|那边|这边|一带|周边|楼下"
    r"|东侧|西侧|南侧|北侧|东边|西边|南边|北边|那栋|这栋"
)
_HANZI = "\u3400-\u4dbf\u4e00-\u9fff"
# A number inside a name: a few characters at most before the community's own suffix
# (十五号院社区, 21号社区, 0四医院社区, 63919部队社区, 1201社区).
_IN_NAME = re.compile(rf"[0-9{NUMERALS}]+(?:号院|号)?[{_HANZI}]{{0,3}}?(?:社区|居委|小区)")
# A house number, not a building's (21号, 十五号院, 甲15 at the end; not 3号楼, 2单元).
_HOUSE = re.compile(rf"[0-9{NUMERALS}]+(?:号院|号)(?![楼栋幢单元室层])|[0-9]{{1,3}}$")
_DIGITS = "零一二三四五六七八九"
_PINYIN = {"零": "ling", "一": "yi", "二": "er", "三": "san", "四": "si", "五": "wu", "六": "liu",
           "七": "qi", "八": "ba", "九": "jiu", "十": "shi", "百": "bai", "千": "qian"}
# Digits before 号 (or ending the text, at most three: 太平路22) are a house number.
_RUN = re.compile(r"[0-9]+(?=\s*(号|hao))|(?<![0-9])[0-9]{1,3}($)|[0-9]+")


def cut_tail(text: str, *, keep_house: bool = False) -> str:
    """``text`` without its building/unit/"next to" tail; a tail at the very start is no tail
    (二号沟门村) and then nothing is cut."""
    for n, match in enumerate(TAIL.finditer(text)):
        start = match.start()
        if start == 0 and n == 0:
            return text
        if _IN_NAME.match(text, start) or (keep_house and _HOUSE.match(text, start)):
            continue
        return text[:start] if start > 0 else text
    return text


def _as_said(n: int) -> str:
    """1 → 一, 15 → 十五, 21 → 二十一, 104 → 一百零四, 110 → 一百一十, 1000 → 一千."""
    out, gap = "", False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // value % 10
        if digit:
            out += ("零" if gap and out else "") + ("" if value == 10 and n < 20 else _DIGITS[digit]) + unit
            gap = False
        elif out:
            gap = True
    return out


def _spell(run: str, house: bool) -> str:
    if house and not run.startswith("0") and len(run) <= 4:
        return _as_said(int(run))
    return "".join(_DIGITS[int(d)] for d in run)


def spell_numbers(text: str) -> str:
    """Digits in hanzi text as they are read (21号 → 二十一号, 309 → 三零九); 〇 → 零."""
    return _RUN.sub(lambda m: _spell(m.group(0), m.lastindex is not None), text.replace("〇", "零"))


def spell_latin_numbers(text: str) -> str:
    """Digits in typed pinyin spelled out as the hanzi reading's pinyin (61 hao → liushiyi hao)."""
    return _RUN.sub(
        lambda m: "".join(_PINYIN[c] for c in _spell(m.group(0), m.lastindex is not None)), text
    )
