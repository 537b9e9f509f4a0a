"""From what a resident typed to the part that names a place.

Full-width → half-width (NFKC), traditional → simplified (OpenCC ``t2s``), lower case; then the
country and city prefix (中国北京市), the building/unit/house-number and "next to …" tails and
filler words (我家住在…) are cut off. Another province or city at the front means the address is
outside the service area; which of Beijing's districts it names is the router's business.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

import opencc

from .numbers import cut_tail, spell_latin_numbers, spell_numbers

__all__ = [
    "Prepared",
    "prepare",
    "name_key",
    "to_simplified",
    "fold_forms",
    "fold_latin_forms",
    "is_suffix_only",
    "is_county",
    "starts_with_suffix",
    "HANZI",
    "VILLAGE",
    "COMMUNITY",
]

HANZI = "\u3400-\u4dbf\u4e00-\u9fff"
VILLAGE = "village_committee"
COMMUNITY = "residents_committee"

# Longest first, so 村民委员会 wins over 村.
_VILLAGE_SUFFIXES = ("村民委员会", "村委员会", "村委会", "村委", "村部", "村")
_COMMUNITY_SUFFIXES = (
    "社区居民委员会", "社区居委会", "社区居委", "居民委员会", "社区", "居委会", "居委", "小区",
)
_SUFFIXES = sorted(
    [(s, VILLAGE) for s in _VILLAGE_SUFFIXES] + [(s, COMMUNITY) for s in _COMMUNITY_SUFFIXES],
    key=lambda item: -len(item[0]),
)
_LATIN_SUFFIXES = sorted(
    [(s, VILLAGE) for s in ("cunminweiyuanhui", "cunweihui", "cunwei", "cun")]
    + [(s, COMMUNITY) for s in ("shequjuminweiyuanhui", "shequjuweihui", "shequ", "juweihui", "xiaoqu")],
    key=lambda item: -len(item[0]),
)

_ORDINAL = re.compile(r"第([1-9])(?=社区|居委|小区)")
_NOT_HANZI = re.compile(rf"[^{HANZI}]+")
_FILLER_HEAD = re.compile(
    r"^(?:我家住在|我家住|我家在|我住在|我住|家住在|家住|住在|我在|我是|地址是|地址为|地址|位于|在)"
)
_FILLER_TAIL = re.compile(r"(?:的居民|的村民|居民|的人|(?<=村)村民|的)$")
_PREFIX = re.compile(r"^(?:中华人民共和国|中国|北京市|北京)")

# Outside Beijing. Beijing's own districts are not listed here: they come from the data
# (storage/routing/districts.py), and a district that is not loaded is outside too.
_COUNTRY_CAPITAL = re.compile(r"^(?:中华人民共和国|中国)?(?:北京市|北京)?")
_OUTSIDE = re.compile(
    r"^(?:"
    r"(?:上海|天津|重庆|黑龙江|内蒙古|新疆|西藏|广西|宁夏|香港|澳门|台湾|广东|浙江|江苏|辽宁|吉林"
    r"|四川|贵州|福建|安徽|江西|甘肃|青海|陕西|海南|云南)"
    r"|(?:河北|河南|湖北|湖南|山西|山东)省"
    rf"|[{HANZI}]{{2,8}}(?:省|自治区|特别行政区)"
    r"|(?:承德|廊坊|保定|唐山|张家口|石家庄|秦皇岛|沧州|衡水|邢台|邯郸|广州|深圳|杭州|南京|武汉|成都"
    r"|西安|沈阳|大连|青岛|济南|郑州|长沙|哈尔滨|长春|太原|呼和浩特|兰州|昆明|贵阳|南宁|福州|厦门"
    r"|合肥|南昌|苏州|无锡|宁波|温州|滦平|兴隆|丰宁)"
    r")"
)
_COUNTY = re.compile(rf"^[{HANZI}]{{2,4}}县")
_LATIN_OUTSIDE = re.compile(
    r"^(?:shanghai|tianjin|chongqing|hebeisheng|guangzhou|shenzhen|chengde|langfang)"
)
_LATIN_PREFIX = re.compile(r"^(?:zhongguo|beijingshi|beijing)")
_LATIN_NOISE = re.compile(r"[^a-z]+")


@dataclass(frozen=True, slots=True)
class Prepared:
    """``text`` is hanzi only (script="hanzi") or lower-case letters only (script="latin")."""

    text: str
    script: str  # "hanzi" | "latin" | "none"
    outside: bool = False
    # The text with its house numbers kept, when the tail rule cut one (翠微路21号 → 翠微路二十一号
    # beside 翠微路): a name with a number is tried first (storage/routing/numbers.py).
    numbered: str = ""


@cache
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Half-width, lower-case, simplified script."""
    return _converter().convert(unicodedata.normalize("NFKC", text)).lower()


def name_key(name: str) -> str:
    """An official name as the index keys it: the hanzi a typed query keeps of it
    (中国矿业大学（北京）社区 → 中国矿业大学北京社区); '' when nothing is left."""
    return _NOT_HANZI.sub("", spell_numbers(to_simplified(name)))


def _strip_repeatedly(pattern: re.Pattern[str], text: str) -> str:
    while True:
        stripped = pattern.sub("", text, count=1)
        if stripped == text:
            return text
        text = stripped


def _place(text: str) -> str:
    text = _NOT_HANZI.sub("", spell_numbers(text))
    return _FILLER_TAIL.sub("", _FILLER_HEAD.sub("", text))


def _prepare_hanzi(text: str) -> Prepared:
    text = _ORDINAL.sub(lambda m: "第" + "一二三四五六七八九"[int(m.group(1)) - 1], text)
    place = _place(cut_tail(text))
    if _OUTSIDE.match(_COUNTRY_CAPITAL.sub("", place, count=1)):
        return Prepared("", "hanzi", outside=True)
    place = _strip_repeatedly(_PREFIX, place)
    numbered = (_strip_repeatedly(_PREFIX, _place(cut_tail(text, keep_house=True)))
                if "号" in text or text[-1:].isdigit() else place)
    return Prepared(place, "hanzi", numbered=numbered if numbered != place else "")


def _prepare_latin(text: str) -> Prepared:
    text = _LATIN_NOISE.sub("", spell_latin_numbers(text.replace("ü", "v")))
    if _LATIN_OUTSIDE.match(text):
        return Prepared("", "latin", outside=True)
    return Prepared(_strip_repeatedly(_LATIN_PREFIX, text), "latin")


def prepare(raw: str) -> Prepared:
    """The place-naming part of ``raw``, in one script, or ``outside=True``."""
    text = to_simplified(raw)
    if re.search(f"[{HANZI}]", text):
        return _prepare_hanzi(text)
    if len(re.findall("[a-z]", text)) >= 2:
        return _prepare_latin(text)
    return Prepared("", "none")


def _fold(text: str, suffixes: list[tuple[str, str]]) -> list[tuple[str, str | None]]:
    forms: list[tuple[str, str | None]] = [(text, None)]
    hint: str | None = None
    current = text
    if current.endswith("村里") and len(current) > 2:  # 沿村里 → 沿村 (→ 沿)
        current, hint = current[:-1], VILLAGE
        forms.append((current, hint))
    for _ in range(2):  # 金叵罗村村委会 → 金叵罗村 → 金叵罗
        for suffix, kind in suffixes:
            if current.endswith(suffix) and len(current) > len(suffix):
                current = current[: -len(suffix)]
                hint = hint or kind
                forms.append((current, hint))
                break
        else:
            break
    return forms


def fold_forms(text: str) -> list[tuple[str, str | None]]:
    """The text and its stems with the village/community suffix folded, each with the kind hint.

    ``新农村村委会`` → [(新农村村委会, None), (新农村, village), (新农, village)].
    """
    return _fold(text, _SUFFIXES)


def fold_latin_forms(text: str) -> list[tuple[str, str | None]]:
    return _fold(text, _LATIN_SUFFIXES)


def starts_with_suffix(text: str) -> bool:
    """社区西边… after 新城子镇: the town name was the start of a community name."""
    return text.startswith(("社区", "居委", "居民委员会", "shequ", "juweihui"))


def is_suffix_only(text: str) -> bool:
    """True for '', 社区, 村委会 … (what is left of 太师屯镇社区 after its town)."""
    return not text or any(text == s for s, _ in _SUFFIXES) or any(text == s for s, _ in _LATIN_SUFFIXES)


def is_county(text: str) -> bool:
    """滦平县…: a county at the front (Beijing's districts were counties once: the caller asks
    its district finder first)."""
    return _COUNTY.match(text) is not None
