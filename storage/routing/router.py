"""Router: whatever a resident types, the community (and station) it names, or why not.

Build it once (``Router.load`` from the database, ``Router.from_entries`` from plain rows) and
call ``route`` as often as needed; it holds no database session and is safe to share.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from functools import partial
from typing import TYPE_CHECKING

from .decide import (
    HANZI_THRESHOLDS,
    LATIN_THRESHOLDS,
    Decision,
    decide_exact,
    decide_fuzzy,
    decide_offer,
)
from .districts import DistrictFinder
from .entries import AliasEntry, CommunityEntry, DistrictEntry, StationPoint, TownEntry
from .geo import distance_m, nearest_station
from .index import NameIndex, Scope
from .keys import pinyin_syllables, segment_latin
from .normalize import Prepared, fold_forms, fold_latin_forms, is_county, prepare
from .result import Candidate, Reason, RouteResult, RouteStatus, StationRef
from .towns import TownFinder, TownHit

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

__all__ = ["Router", "MAX_QUERY_LENGTH"]

MAX_QUERY_LENGTH = 200  # characters; a real address is far shorter
_MAX_STEM = 16  # longer hanzi text is not compared as a whole name
_MAX_LATIN = 48  # nor longer typed pinyin
_NAME_ENDS = ("村", "社区", "小区", "居委会", "村委会")
_HOMOPHONE = 0.95  # score of a name found by its pinyin
_CONTAINED = 0.9  # score of a suffixed name found inside longer text


class Router:
    def __init__(
        self,
        towns: list[TownEntry],
        communities: list[CommunityEntry],
        index: NameIndex,
        finder: TownFinder,
        stations: list[StationRef | None],
        points: list[StationPoint],
        districts: list[DistrictEntry],
        district_finder: DistrictFinder,
    ) -> None:
        self.towns = towns
        self.communities = communities
        self.districts = districts  # the loaded ones: the service area
        self._index = index
        self._finder = finder
        self._stations = stations
        self._points = points
        self._district_finder = district_finder
        names = {d.code: d.name for d in districts}
        self._district_name = [names.get(t.code[:6], "") for t in towns]
        by_district: dict[str, set[int]] = {}
        for i, town in enumerate(towns):
            by_district.setdefault(town.code[:6], set()).add(i)
        self._district_towns = {code: frozenset(towns_) for code, towns_ in by_district.items()}

    @classmethod
    async def load(cls, session: AsyncSession) -> Router:
        """From the towns, communities, address_aliases, stations and station_coverage tables."""
        from .loading import read_routing_rows

        rows = await read_routing_rows(session)
        # Building a city's index takes a second or two of CPU: in a thread, so the service's
        # event loop goes on answering meanwhile.
        return await asyncio.to_thread(
            partial(cls.from_entries, rows.towns, rows.communities, rows.aliases,
                    rows.stations_by_community, rows.station_points, districts=rows.districts)
        )

    @classmethod
    def from_entries(
        cls,
        towns: Iterable[TownEntry],
        communities: Iterable[CommunityEntry],
        aliases: Iterable[AliasEntry] = (),
        stations_by_community: Mapping[str, StationRef] | None = None,
        station_points: Iterable[StationPoint] = (),
        *,
        districts: Iterable[DistrictEntry] | None = None,
    ) -> Router:
        """Pure: no database. Aliases of unknown communities are ignored. ``districts`` names the
        loaded districts (default: those of the towns, named from the packaged city list)."""
        town_list = list(towns)
        community_list = list(communities)
        town_pos = {t.code: i for i, t in enumerate(town_list)}
        missing = {c.town_code for c in community_list} - town_pos.keys()
        if missing:
            raise ValueError(f"communities refer to unknown towns: {sorted(missing)[:5]}")
        town_of = [town_pos[c.town_code] for c in community_list]
        community_pos = {c.code: i for i, c in enumerate(community_list)}
        alias_rows = [
            (a, community_pos[a.community_code]) for a in aliases if a.community_code in community_pos
        ]
        index = NameIndex.build(community_list, town_of, alias_rows)
        stations = stations_by_community or {}
        finder = TownFinder(town_list, index.pinyin)
        loaded = _loaded_districts(town_list, districts)
        return cls(
            town_list,
            community_list,
            index,
            finder,
            [stations.get(c.code) for c in community_list],
            list(station_points),
            loaded,
            _district_finder(loaded, town_list, index, finder),
        )

    # --- public --------------------------------------------------------------------------------

    @property
    def unkeyed(self) -> list[str]:
        """Names the index could not key (left out of routing; everything else routes)."""
        return list(self._index.unkeyed)

    def route(self, text: str) -> RouteResult:
        if not text or not text.strip():
            return self._result(text, Decision.nothing(Reason.EMPTY))
        if len(text) > MAX_QUERY_LENGTH:
            return self._result(text, Decision.nothing(Reason.TOO_LONG))
        prepared = prepare(text)
        if prepared.outside:
            decision = Decision.nothing(Reason.OUTSIDE_AREA)
        elif not prepared.text:
            decision = Decision.nothing(Reason.NOT_RECOGNISED)
        elif prepared.script == "latin":
            decision = self._route_latin(prepared.text)
        else:
            decision = self._route_hanzi_numbered(prepared)
        return self._result(text, decision)

    def town_named(self, text: str) -> TownEntry | None:
        """The town (镇 / 街道 / 地区) named in ``text``, if any — for a town typed alone."""
        prepared = prepare(text)
        if prepared.outside or not prepared.text:
            return None
        latin = prepared.script == "latin"
        scoped = self._district_scope(prepared.text, latin)
        if isinstance(scoped, Decision):
            return None
        rest, scope = scoped
        hit = self._finder.find(rest, latin=latin, scope=scope)
        if hit is None or len(hit.towns) != 1:  # 城关街道 alone: which district's?
            return None
        return self.towns[next(iter(hit.towns))]

    def communities_of(self, town_code: str) -> list[Candidate]:
        """Every village and community of a town, in division-code order, with its station."""
        return [
            Candidate(code=c.code, name=c.short_name, town=self.towns[self._index.town_of[i]].name,
                      station=self._stations[i], score=1.0,
                      district=self._district_name[self._index.town_of[i]])
            for i, c in enumerate(self.communities) if c.town_code == town_code
        ]

    def nearby(self, latitude: float, longitude: float, limit: int = 3
               ) -> list[tuple[StationRef, float, list[Candidate]]]:
        """The nearest stations that serve villages or communities (a deputy home may serve
        none), each with its distance in metres and the communities it serves; nearest first."""
        if not (-90.0 <= latitude <= 90.0 and -180.0 <= longitude <= 180.0):
            raise ValueError("latitude must be in [-90, 90] and longitude in [-180, 180]")
        served: dict[int, list[Candidate]] = {}
        for i, station in enumerate(self._stations):
            if station is not None:
                c = self.communities[i]
                served.setdefault(station.id, []).append(Candidate(
                    code=c.code, name=c.short_name, town=self.towns[self._index.town_of[i]].name,
                    station=station, score=1.0, district=self._district_name[self._index.town_of[i]]))
        by_distance = sorted(
            (distance_m(latitude, longitude, p.latitude, p.longitude), p) for p in self._points
            if p.station_id in served)
        return [(StationRef(p.station_id, p.name, p.kind), d, served[p.station_id])
                for d, p in by_distance[:limit]]

    def nearest(self, latitude: float, longitude: float) -> tuple[StationRef, float] | None:
        """The nearest station that has coordinates and its distance in metres."""
        return nearest_station(self._points, latitude, longitude)

    def _result(self, query: str, decision: Decision) -> RouteResult:
        town_of = self._index.town_of
        candidates = tuple(
            Candidate(
                code=self.communities[i].code,
                name=self.communities[i].short_name,
                town=self.towns[town_of[i]].name,
                station=self._stations[i],
                score=score,
                district=self._district_name[town_of[i]],
            )
            for i, score in decision.scored
        )
        return RouteResult(query, decision.status, decision.reason, candidates)

    # --- hanzi ---------------------------------------------------------------------------------

    def _district_scope(self, text: str, latin: bool) -> tuple[str, Scope] | Decision:
        """The district named in the text: its towns are the scope (outside if not loaded)."""
        hit = self._district_finder.find(text, latin)
        if hit is None:
            if not latin and is_county(text):  # 滦平县…: a county, and none of ours
                return Decision.nothing(Reason.OUTSIDE_AREA)
            return text, None
        if not hit.strong:  # a bare stem: a name the whole text spells wins (朝阳村)
            whole = fold_latin_forms(text) if latin else fold_forms(text)
            found = (self._index.pinyin_forms(whole, None, 1.0) if latin
                     else self._index.exact_forms(whole, None))
            if found:
                return text, None
        if not hit.loaded:
            return Decision.nothing(Reason.OUTSIDE_AREA)
        if not hit.rest:
            return Decision.nothing(Reason.TOWN_ONLY)
        return hit.rest, self._district_towns.get(hit.code, frozenset())

    def _route_hanzi_numbered(self, prepared: Prepared) -> Decision:
        """With its house number first (翠微路21号 is a community's name), when that names one;
        else as cut (金叵罗村12号 is a door in 金叵罗村)."""
        if prepared.numbered:
            numbered = self._route_hanzi(prepared.numbered)
            if numbered.status is RouteStatus.MATCHED:
                return numbered
        return self._route_hanzi(prepared.text)

    def _route_hanzi(self, text: str) -> Decision:
        scoped = self._district_scope(text, latin=False)
        if isinstance(scoped, Decision):
            return scoped
        text, scope = scoped
        hit = self._finder.find(text, scope=scope)
        if hit is not None and hit.strong:
            return self._within_town(hit, scope) if hit.rest else Decision.nothing(Reason.TOWN_ONLY)
        exact = self._index.exact_forms(fold_forms(text), scope)
        if exact:
            return decide_exact(exact)
        local: Decision | None = None
        if hit is not None:
            if not hit.rest:
                return Decision.nothing(Reason.TOWN_ONLY)
            local = self._resolve(hit.rest, hit.towns)
            if local is not None and local.status is RouteStatus.MATCHED:
                return local
        whole = self._resolve(text, scope)
        if whole is not None and (local is None or _better(whole, local)):
            return whole
        if local is not None:
            return local
        return Decision.nothing(Reason.TOWN_ONLY if hit is not None else Reason.NOT_RECOGNISED)

    def _within_town(self, hit: TownHit, scope: Scope) -> Decision:
        local = self._resolve(hit.rest, hit.towns)
        if local is not None and local.status is RouteStatus.MATCHED:
            return local
        elsewhere = self._index.exact_forms(fold_forms(hit.rest), scope)
        if elsewhere:
            return Decision(RouteStatus.AMBIGUOUS, Reason.TOWN_MISMATCH.value, elsewhere[:5])
        return local or Decision.nothing(Reason.TOWN_ONLY)

    def _resolve(self, text: str, town: Scope) -> Decision | None:
        """Exact name, then homophone, then a suffixed name inside, then fuzzy; in ``town``."""
        index = self._index
        forms = fold_forms(text)
        found = index.exact_forms(forms, town)
        if found:
            return decide_exact(found)
        syllables = [index.pinyin.syllables(form) for form, _ in forms]
        keys = [("".join(s), hint) for s, (_, hint) in zip(syllables, forms, strict=True)]
        found = index.pinyin_forms(keys, town, _HOMOPHONE)
        if found:
            return decide_exact(found, Reason.APPROXIMATE)
        fuzzy = self._fuzzy(forms, syllables, town)
        if fuzzy is not None and fuzzy.status is RouteStatus.MATCHED:
            return fuzzy
        found = index.contained(text, town, _NAME_ENDS)
        if found:
            return decide_exact(_rescore(found, _CONTAINED), Reason.APPROXIMATE)
        cut = _through_last_suffix(text)
        if cut != text:  # 抗各庄村东头 → 抗各庄村
            return self._resolve(cut, town) or fuzzy
        return fuzzy

    def _fuzzy(
        self, forms: list[tuple[str, str | None]], syllables: list[list[str]], town: Scope
    ) -> Decision | None:
        """Fuzzy on the once- and the fully-folded stem (四合村村 → 四合村, 四合), best of both."""
        best: dict[int, float] = {}
        for k in sorted({min(1, len(forms) - 1), len(forms) - 1}):
            stem = forms[k][0]
            if 2 <= len(stem) <= _MAX_STEM:
                for community, score in self._index.fuzzy_hanzi(stem, syllables[k], town):
                    if score > best.get(community, -1.0):
                        best[community] = score
        scored = sorted(best.items(), key=lambda item: -item[1])
        return decide_fuzzy(scored, HANZI_THRESHOLDS)

    # --- latin (typed pinyin) ------------------------------------------------------------------

    def _route_latin(self, text: str) -> Decision:
        scoped = self._district_scope(text, latin=True)
        if isinstance(scoped, Decision):
            return scoped
        text, scope = scoped
        hit = self._finder.find(text, latin=True, scope=scope)
        if hit is not None and hit.strong and not hit.rest:
            return Decision.nothing(Reason.TOWN_ONLY)
        if hit is not None and hit.strong:
            return self._resolve_latin(hit.rest, hit.towns) or Decision.nothing(Reason.TOWN_ONLY)
        whole = self._resolve_latin(text, scope)
        if whole is not None and whole.status is RouteStatus.MATCHED:
            return whole
        if hit is not None and hit.rest:
            local = self._resolve_latin(hit.rest, hit.towns)
            if local is not None:
                return local
        if whole is not None:
            return whole
        return Decision.nothing(Reason.TOWN_ONLY if hit is not None else Reason.NOT_RECOGNISED)

    def _resolve_latin(self, text: str, town: Scope) -> Decision | None:
        index = self._index
        forms = fold_latin_forms(text)
        found = index.pinyin_forms(forms, town, 1.0)
        if found:
            return decide_exact(found)
        stem = forms[-1][0]
        if len(stem) > _MAX_LATIN:
            return None
        syllables = segment_latin(stem)
        decision = decide_fuzzy(index.fuzzy_latin(stem, syllables, town), LATIN_THRESHOLDS)
        if decision is None and 3 <= len(stem) <= 5 and not set(syllables) <= pinyin_syllables():
            decision = decide_offer(index.initials_of(stem, town, 0.5))
        return decision


def _loaded_districts(
    towns: list[TownEntry], districts: Iterable[DistrictEntry] | None
) -> list[DistrictEntry]:
    from ..divisions import district_names

    wanted = sorted({t.code[:6] for t in towns})
    given = {d.code: d for d in districts or ()}
    names = district_names()
    return [given.get(code) or DistrictEntry(code, names.get(code, code)) for code in wanted]


def _district_finder(
    loaded: list[DistrictEntry], towns: list[TownEntry], index: NameIndex, finder: TownFinder
) -> DistrictFinder:
    """Every district of the packaged city list is known; names of ours that begin like one
    (朝阳村, 延庆镇) keep their bare stems from being taken for it."""
    from ..divisions import load_city_divisions

    city = load_city_divisions()
    codes = {d.code for d in loaded}
    known = [*loaded, *(DistrictEntry(d.code, d.name) for d in city.districts if d.code not in codes)]
    ours = {t.name for t in towns}
    foreign = [(t.name, t.district_code) for t in city.towns
               if t.district_code not in codes and t.name not in ours]
    districts = DistrictFinder(known, codes, index.pinyin, foreign)
    districts.block([*index.exact, *finder.names()])
    districts.block([*index.by_pinyin, *finder.latin_names()], latin=True)
    return districts


def _rescore(scored: list[tuple[int, float]], score: float) -> list[tuple[int, float]]:
    return [(i, score) for i, _ in scored]


def _better(whole: Decision, local: Decision) -> bool:
    """The whole text's answer beats the one within a soft town only if matched and closer."""
    return whole.status is RouteStatus.MATCHED and whole.scored[0][1] > local.scored[0][1]


def _through_last_suffix(text: str) -> str:
    """The text up to and including its last 村 / 社区 / 小区 / 居委会 (the words after it are a tail)."""
    end = max(text.rfind(suffix) + len(suffix) if suffix in text else -1 for suffix in _NAME_ENDS)
    return text[:end] if 2 <= end < len(text) else text
