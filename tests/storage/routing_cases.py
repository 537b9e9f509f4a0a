"""The generated routing test set, built from the Miyun division file (deterministic).

Each case is a query as a resident might type it, its noise type, what a right answer is and the
community codes that are right. Expectations come from the data alone (names, towns, pinyin), not
from the router: a bare name shared by several communities is ``ambiguous`` with all of them;
a name with its town, or with a suffix that tells village from community, is ``resolvable``;
another district or province, and text that names no place, is ``none``.

Typos are realistic ones: a homophone (same toneless pinyin, as an input method makes), a
substituted or a dropped character. A typo that equals another real name, or that is as close
to another name as to its own, is skipped: it is not resolvable, by anyone.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache

import opencc
from pypinyin import lazy_pinyin
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from storage.routing import (
    CommunityEntry,
    RouteResult,
    RouteStatus,
    TownEntry,
    read_divisions,
)

__all__ = ["Case", "Rates", "generate_cases", "generate_city_cases", "evaluate", "RESOLVABLE",
           "AMBIGUOUS", "NONE"]

RESOLVABLE = "resolvable"
AMBIGUOUS = "ambiguous"
NONE = "none"

VILLAGE = "village_committee"
COMMUNITY = "residents_committee"
SEED = 20240603

# Characters an input method offers (homophones are drawn from these and from the names).
_COMMON = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说"
    "产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使"
    "点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明"
    "看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料"
    "象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指"
    "几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶"
    "油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议"
    "声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影"
    "算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何"
    "除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属"
    "圆包火住调满县局照参红细引听该铁价严龙飞"
)

_NOT_TYPOS = set("村社区省市县镇乡号楼")  # a typo into a suffix or an admin word is another query
_PREFIXES = ("北京市密云区", "北京密云", "密云区", "密云县", "北京市密云县", "中国北京市密云区")
_TAILS = ("3号楼2单元301", "12号", "二单元", "旁边", "附近的超市", "对面", "东头", "西边那栋楼", "5排8号")
_OTHER_PLACES = (
    "北京市昌平区", "北京市朝阳区", "北京海淀区", "怀柔区", "北京市延庆区", "北京市顺义区", "平谷区",
    "上海市浦东新区", "天津市和平区", "河北省承德市滦平县", "河北省廊坊市", "广东省深圳市",
    "浙江省杭州市西湖区", "北京市通州区", "北京市丰台区", "重庆市渝中区", "承德市兴隆县",
)
_OTHER_TAILS = ("回龙观", "望京西园三区", "", "人民路12号", "解放大街", "幸福小区5号楼")
_UNKNOWN_PLACES = (
    "回龙观", "天通苑", "望京", "五道口", "西二旗", "王府井", "三里屯", "国贸", "上地", "大望路", "酒仙桥",
    "劲松", "方庄", "立水桥", "霍营", "沙河", "良乡", "黄村", "燕郊", "雁栖湖", "八达岭",
)
_SENTENCES = ("我家住在{}，路灯坏了", "我是{}的居民", "{}，想反映个问题", "地址：{}")
_NON_ADDRESSES = (
    "你好", "您好", "在吗", "我要投诉", "我想反映问题", "谢谢", "好的", "不知道", "随便", "怎么联系人大代表",
    "路灯坏了好几天了", "什么时候开会", "人工客服", "hello", "help", "/start", "ok", "123", "13800138000",
    "😀", "👍👍", "？？？", "。。。", "!!!", "   ", "", "我不想说", "请问代表什么时候接待",
    "我家门口的路坏了", "孩子上学的问题", "垃圾没人清理", "噪音太大了晚上睡不着", "test", "asdfgh",
    "qwerty", "哈哈哈", "嗯嗯", "是的", "没有", "取消", "返回", "菜单", "我要提意见", "x" * 5000,
    "关于物业费的问题想咨询一下", "天气真好", "1+1=?", "http://example.com", "@admin",
)


@dataclass(frozen=True, slots=True)
class Case:
    query: str
    noise: str
    expect: str  # RESOLVABLE | AMBIGUOUS | NONE
    codes: frozenset[str]


@dataclass(frozen=True, slots=True)
class _Name:
    entry: CommunityEntry
    town: TownEntry
    base: str  # 金叵罗, 新农村, 宾阳西里, 沿村
    kind: str


def _base(c: CommunityEntry) -> str:
    if c.unit_type == VILLAGE:
        return c.name.removesuffix("村民委员会")
    return c.short_name.removesuffix("社区")


def _town_stem(name: str) -> str:
    for suffix in ("街道", "地区", "镇"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


class _World:
    """The names and the rules of who a query names, from the data alone."""

    def __init__(self, divisions: tuple[list[TownEntry], list[CommunityEntry]] | None = None) -> None:
        towns, communities = divisions or read_divisions()
        by_code = {t.code: t for t in towns}
        self.towns = towns
        self.names = [_Name(c, by_code[c.town_code], _base(c), c.unit_type) for c in communities]
        self.by_form: dict[str, set[int]] = defaultdict(set)
        for i, n in enumerate(self.names):
            self.by_form[n.base].add(i)
            self.by_form[n.entry.short_name].add(i)
        self.bases = sorted({n.base for n in self.names})
        self.town_names = {t.name for t in towns}
        self.pinyin: dict[str, set[int]] = defaultdict(set)
        for i, n in enumerate(self.names):
            self.pinyin["".join(lazy_pinyin(n.base))].add(i)
        self.pinyin_keys = sorted(self.pinyin)

    def named(self, form: str, kind: str | None, town: TownEntry | None) -> frozenset[str]:
        """Codes named by ``form`` (base or short name), of ``kind`` if any is, in ``town``."""
        found = [self.names[i] for i in self.by_form.get(form, ())]
        if town is not None:
            found = [n for n in found if n.town.code == town.code]
        if kind is not None:
            found = [n for n in found if n.kind == kind] or found
        return frozenset(n.entry.code for n in found)

    def is_key(self, text: str) -> bool:
        return text in self.by_form or text in self.town_names or _town_stem(text) in self.town_names

    def unique_nearest(self, typo: str, base: str) -> bool:
        (first, d1, _), (_, d2, _) = process.extract(typo, self.bases, scorer=Levenshtein.distance, limit=2)
        return first == base and d2 > d1


@cache
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("s2t")


def _case(query: str, noise: str, codes: frozenset[str]) -> Case:
    expect = RESOLVABLE if len(codes) == 1 else AMBIGUOUS
    return Case(query, noise, expect, codes)


def _name_forms(n: _Name) -> list[tuple[str, str, str | None]]:
    """(form written, noise type, kind it states) for one community."""
    if n.kind == VILLAGE:
        suffixed = [(n.base + s, "suffix") for s in ("村委会", "村民委员会", "村委")]
        suffixed.append((n.entry.short_name + "里", "suffix"))
    else:
        suffixed = [(n.base + s, "suffix") for s in ("社区居委会", "居委会", "社区居民委员会", "小区")]
    forms: list[tuple[str, str, str | None]] = [(n.entry.short_name, "short_name", None)]
    forms += [(text, noise, n.kind) for text, noise in suffixed]
    return forms


def _exact_cases(w: _World, n: _Name, rnd: random.Random) -> list[Case]:
    out: list[Case] = []
    short = n.entry.short_name
    for text, noise, kind in _name_forms(n):
        form = short if noise == "short_name" else n.base
        out.append(_case(text, noise, w.named(form, kind, None)))
    if n.base not in w.town_names and len(n.base) >= 2:
        out.append(_case(n.base, "bare_name", w.named(n.base, None, None)))
    prefix = rnd.choice(_PREFIXES)
    out.append(_case(prefix + short, "prefix", w.named(short, None, None)))
    out.append(_case(f"{prefix}{n.town.name}{short}", "prefix_town", w.named(short, None, n.town)))
    stem = _town_stem(n.town.name)
    if stem not in (n.town.name, "密云") and n.base not in w.town_names:  # 密云 is the district
        out.append(_case(stem + n.base, "town_stem", w.named(n.base, None, n.town)))
    out.append(_case(n.town.name + n.base + "村委会" if n.kind == VILLAGE else n.town.name + short,
                     "town", w.named(n.base if n.kind == VILLAGE else short, n.kind, n.town)))
    tail = rnd.choice(_TAILS)
    out.append(_case(short + tail, "tail", w.named(short, None, None)))
    wide = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in f"{short}{rnd.randint(1, 30)}号楼")
    out.append(_case(wide, "full_width", w.named(short, None, None)))
    trad = _t2s().convert(n.town.name + short)
    if trad != n.town.name + short:
        out.append(_case(trad, "traditional", w.named(short, None, n.town)))
    return out


def _pinyin_cases(w: _World, n: _Name, rnd: random.Random) -> list[Case]:
    syllables = lazy_pinyin(n.base)
    key = "".join(syllables)
    codes = frozenset(w.names[i].entry.code for i in w.pinyin[key])
    suffix = " cun" if n.kind == VILLAGE else " shequ"
    kinds = frozenset(w.names[i].entry.code for i in w.pinyin[key] if w.names[i].kind == n.kind)
    out = [_case(" ".join(syllables) + suffix, "pinyin", kinds or codes)]
    if n.base not in w.town_names:
        out.append(_case(key, "pinyin", codes))
    return out


@cache
def _reading(char: str) -> str:
    return lazy_pinyin(char)[0]


def _homophones(pool: dict[str, list[str]], char: str) -> list[str]:
    return [c for c in pool.get(_reading(char), []) if c != char]


def _typo_cases(w: _World, n: _Name, rnd: random.Random, pool: dict[str, list[str]]) -> list[Case]:
    base, out = n.base, []
    code = frozenset({n.entry.code})
    if len(w.named(base, None, None)) != 1:
        return out
    positions = list(range(len(base)))
    rnd.shuffle(positions)
    for pos in positions:
        options = _homophones(pool, base[pos])
        if not options:
            continue
        typo = base[:pos] + rnd.choice(options) + base[pos + 1 :]
        if not w.is_key(typo) and lazy_pinyin(typo) == lazy_pinyin(base):
            out.append(_case(typo, "homophone", code))
            break
    if len(base) >= 3:
        for _ in range(6):
            pos = rnd.randrange(len(base))
            chars = [c for c in _COMMON if c not in _NOT_TYPOS and _reading(c) != _reading(base[pos])]
            typo = base[:pos] + rnd.choice(chars) + base[pos + 1 :]
            if not w.is_key(typo) and w.unique_nearest(typo, base):
                out.append(_case(typo + ("村" if n.kind == VILLAGE else "社区"), "typo", code))
                break
        for _ in range(4):
            pos = rnd.randrange(1, len(base))
            typo = base[:pos] + base[pos + 1 :]
            if not w.is_key(typo) and w.unique_nearest(typo, base):
                out.append(_case(typo, "dropped_char", code))
                break
    return out


def _none_cases(w: _World, rnd: random.Random) -> list[Case]:
    out = [Case(text, "non_address", NONE, frozenset()) for text in _NON_ADDRESSES]
    for place in _OTHER_PLACES:
        for tail in _OTHER_TAILS:
            out.append(Case(place + tail, "other_district", NONE, frozenset()))
        n = rnd.choice(w.names)
        out.append(Case(place + n.entry.short_name, "other_district", NONE, frozenset()))
    for town in w.towns:
        out.append(Case(town.name, "town_only", NONE, frozenset()))
    out += [Case(place, "unknown_place", NONE, frozenset()) for place in _UNKNOWN_PLACES]
    return out


def _combined_cases(w: _World, n: _Name, rnd: random.Random, typos: list[Case]) -> list[Case]:
    """Several kinds of noise at once, as people really type."""
    short = n.entry.short_name
    out = [_case(rnd.choice(_SENTENCES).format(short), "sentence", w.named(short, None, None))]
    homophones = [c for c in typos if c.noise == "homophone"]
    if homophones:
        typo = homophones[0].query + ("村" if n.kind == VILLAGE else "社区")
        text = f"{rnd.choice(_PREFIXES)}{n.town.name}{typo}{rnd.choice(_TAILS)}"
        out.append(_case(_t2s().convert(text), "combined", homophones[0].codes))
    syllables = lazy_pinyin(n.base)
    key = "".join(syllables)
    if len(key) >= 8 and len(w.pinyin[key]) == 1:
        pos = rnd.randrange(1, len(key) - 1)
        typo = key[:pos] + rnd.choice("aeioungh") + key[pos + 1 :]
        nearest = process.extract(typo, w.pinyin_keys, scorer=Levenshtein.distance, limit=2)
        (first, d1, _), (_, d2, _) = nearest
        if typo != key and first == key and d2 > d1 + 1:
            out.append(_case(typo, "pinyin_typo", w.named(n.base, None, None)))
    return out


def _pool(w: _World) -> dict[str, list[str]]:
    pool: dict[str, list[str]] = defaultdict(list)
    for char in sorted(set(_COMMON) | {c for n in w.names for c in n.base}):
        pool[_reading(char)].append(char)
    return pool


@cache
def generate_cases(seed: int = SEED) -> tuple[Case, ...]:
    rnd = random.Random(seed)
    w = _World()
    pool = _pool(w)
    cases: list[Case] = []
    for n in w.names:
        cases += _exact_cases(w, n, rnd)
        cases += _pinyin_cases(w, n, rnd)
        typos = _typo_cases(w, n, rnd, pool)
        cases += typos
        cases += _combined_cases(w, n, rnd, typos)
    cases += _none_cases(w, rnd)
    return tuple(cases)


def _city_world() -> tuple[_World, dict[str, str]]:
    from storage.divisions import load_city_divisions

    city = load_city_divisions()
    towns = [TownEntry(t.code, t.name, t.short_name) for t in city.towns]
    communities = [CommunityEntry(c.code, c.name, c.short_name, c.town_code, c.unit_type)
                   for c in city.communities]
    return _World((towns, communities)), {d.code: d.name for d in city.districts}


def _in_district(w: _World, form: str, kind: str | None, district: str) -> frozenset[str]:
    return frozenset(c for c in w.named(form, kind, None) if c.startswith(district))


def _city_name_cases(w: _World, n: _Name, rnd: random.Random, district: str) -> list[Case]:
    """What city residents type: the name alone (often in several districts), with its district
    before or after, with its town, in traditional script, with a tail."""
    short, code = n.entry.short_name, n.entry.code[:6]
    same_town = frozenset(c for c in w.named(short, None, n.town) if c.startswith(code))
    out = [
        _case(short, "short_name", w.named(short, None, None)),
        _case(f"{rnd.choice(('北京市', '北京', ''))}{district}{short}", "district_before",
              _in_district(w, short, None, code)),
        _case(f"{short}（{district}）", "district_after", _in_district(w, short, None, code)),
        _case(f"{district}{n.town.name}{short}{rnd.choice(_TAILS)}", "district_town_tail", same_town),
        _case(short + rnd.choice(_TAILS), "tail", w.named(short, None, None)),
    ]
    trad = _t2s().convert(district + n.town.name + short)
    if trad != district + n.town.name + short:
        out.append(_case(trad, "traditional", same_town))
    return out


@cache
def generate_city_cases(seed: int = SEED, every: int = 3) -> tuple[Case, ...]:
    """A noisy set over the whole city (every ``every``-th community, to keep it quick)."""
    rnd = random.Random(seed)
    w, districts = _city_world()
    pool = _pool(w)
    cases: list[Case] = []
    for n in w.names[::every]:
        district = districts[n.entry.code[:6]]
        cases += _city_name_cases(w, n, rnd, district)
        cases += _pinyin_cases(w, n, rnd)
        cases += _typo_cases(w, n, rnd, pool)
    cases += [Case(text, "non_address", NONE, frozenset()) for text in _NON_ADDRESSES]
    for place in _OTHER_PLACES:
        if not place.startswith(("北京", *districts.values())):
            cases += [Case(place + tail, "other_city", NONE, frozenset()) for tail in _OTHER_TAILS]
    return tuple(cases)


@dataclass
class Rates:
    """The issue's four rates, and the same per noise type."""

    resolvable: int = 0
    top1: int = 0  # resolvable, and the best candidate is the right one
    matched_right: int = 0  # resolvable and answered ``matched`` with the right one
    ambiguous: int = 0
    fully_offered: int = 0  # ambiguous, answered ambiguous, every right code offered
    none_expected: int = 0
    none_given: int = 0
    total: int = 0
    confident_wrong: int = 0  # answered ``matched`` with a community that is not (the only) right one
    by_noise: dict[str, list[int]] = field(default_factory=dict)  # noise → [cases, right]
    wrong: list[tuple[str, str, str]] = field(default_factory=list)  # (noise, query, answer)

    def ratio(self, part: int, whole: int) -> float:
        return part / whole if whole else 1.0

    def summary(self) -> dict[str, object]:
        return {
            "cases": self.total,
            "top1_resolvable": round(self.ratio(self.top1, self.resolvable), 4),
            "matched_resolvable": round(self.ratio(self.matched_right, self.resolvable), 4),
            "confident_wrong": round(self.ratio(self.confident_wrong, self.total), 4),
            "ambiguous_fully_offered": round(self.ratio(self.fully_offered, self.ambiguous), 4),
            "none_on_none": round(self.ratio(self.none_given, self.none_expected), 4),
            "by_noise": {
                noise: {"cases": n, "right": round(ok / n, 4)}
                for noise, (n, ok) in sorted(self.by_noise.items())
            },
        }


def _judge(case: Case, result: RouteResult, rates: Rates) -> bool:
    codes = [c.code for c in result.candidates]
    matched = result.status is RouteStatus.MATCHED
    if matched and (case.expect != RESOLVABLE or codes[0] not in case.codes):
        rates.confident_wrong += 1
    if case.expect == RESOLVABLE:
        rates.resolvable += 1
        right = bool(codes) and codes[0] in case.codes
        rates.top1 += right
        rates.matched_right += right and matched
        return right
    if case.expect == AMBIGUOUS:
        rates.ambiguous += 1
        right = result.status is RouteStatus.AMBIGUOUS and case.codes <= set(codes)
        rates.fully_offered += right
        return right
    rates.none_expected += 1
    right = result.status is RouteStatus.NONE
    rates.none_given += right
    return right


def evaluate(route: Callable[[str], RouteResult], cases: Iterable[Case]) -> Rates:
    rates = Rates()
    for case in cases:
        result = route(case.query)
        rates.total += 1
        right = _judge(case, result, rates)
        tally = rates.by_noise.setdefault(case.noise, [0, 0])
        tally[0] += 1
        tally[1] += right
        if not right or (result.status is RouteStatus.MATCHED and case.expect != RESOLVABLE):
            answer = f"{result.status.value}:{result.reason}:" + ",".join(c.name for c in result.candidates)
            rates.wrong.append((case.noise, case.query[:40], answer))
    return rates
