"""Router: whatever a resident types, the community (and station) it names, or why not.

Build it once (``Router.load`` from the database, ``Router.from_entries`` from plain rows) and
call ``route`` as often as needed; it holds no database session and is safe to share.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from .decide import (
    HANZI_THRESHOLDS,
    LATIN_THRESHOLDS,
    Decision,
    decide_exact,
    decide_fuzzy,
    decide_offer,
)
from .entries import AliasEntry, CommunityEntry, StationPoint, TownEntry
from .geo import distance_m, nearest_station
from .index import NameIndex
from .keys import pinyin_syllables, segment_latin
from .normalize import fold_forms, fold_latin_forms, prepare
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
    ) -> None:
        self.towns = towns
        self.communities = communities
        self._index = index
        self._finder = finder
        self._stations = stations
        self._points = points

    @classmethod
    async def load(cls, session: AsyncSession) -> Router:
        """From the towns, communities, address_aliases, stations and station_coverage tables."""
        from .loading import read_routing_rows

        rows = await read_routing_rows(session)
        return cls.from_entries(
            rows.towns, rows.communities, rows.aliases, rows.stations_by_community, rows.station_points
        )

    @classmethod
    def from_entries(
        cls,
        towns: Iterable[TownEntry],
        communities: Iterable[CommunityEntry],
        aliases: Iterable[AliasEntry] = (),
        stations_by_community: Mapping[str, StationRef] | None = None,
        station_points: Iterable[StationPoint] = (),
    ) -> Router:
        """Pure: no database. Aliases of unknown communities are ignored."""
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
        return cls(
            town_list,
            community_list,
            index,
            TownFinder(town_list, index.pinyin),
            [stations.get(c.code) for c in community_list],
            list(station_points),
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
            decision = self._route_hanzi(prepared.text)
        return self._result(text, decision)

    def town_named(self, text: str) -> TownEntry | None:
        """The town (镇 / 街道 / 地区) named in ``text``, if any — for a town typed alone."""
        prepared = prepare(text)
        if prepared.outside or not prepared.text:
            return None
        hit = self._finder.find(prepared.text, latin=prepared.script == "latin")
        return self.towns[hit.town] if hit is not None else None

    def communities_of(self, town_code: str) -> list[Candidate]:
        """Every village and community of a town, in division-code order, with its station."""
        return [
            Candidate(code=c.code, name=c.short_name, town=self.towns[self._index.town_of[i]].name,
                      station=self._stations[i], score=1.0)
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
                    station=station, score=1.0))
        by_distance = sorted(
            (distance_m(latitude, longitude, p.latitude, p.longitude), p) for p in self._points
            if p.station_id in served)
        return [(StationRef(p.station_id, p.name, p.kind), d, served[p.station_id])
                for d, p in by_distance[:limit]]

    def nearest(self, latitude: float, longitude: float) -> tuple[StationRef, float] | None:
        """The nearest station that has coordinates and its distance in metres."""
        return nearest_station(self._points, latitude, longitude)

    def _result(self, query: str, decision: Decision) -> RouteResult:
        candidates = tuple(
            Candidate(
                code=self.communities[i].code,
                name=self.communities[i].short_name,
                town=self.towns[self._index.town_of[i]].name,
                station=self._stations[i],
                score=score,
            )
            for i, score in decision.scored
        )
        return RouteResult(query, decision.status, decision.reason, candidates)

    # --- hanzi ---------------------------------------------------------------------------------

    def _route_hanzi(self, text: str) -> Decision:
        hit = self._finder.find(text)
        if hit is not None and hit.strong:
            return self._within_town(hit) if hit.rest else Decision.nothing(Reason.TOWN_ONLY)
        exact = self._index.exact_forms(fold_forms(text), None)
        if exact:
            return decide_exact(exact)
        local: Decision | None = None
        if hit is not None:
            if not hit.rest:
                return Decision.nothing(Reason.TOWN_ONLY)
            local = self._resolve(hit.rest, hit.town)
            if local is not None and local.status is RouteStatus.MATCHED:
                return local
        whole = self._resolve(text, None)
        if whole is not None and (local is None or _better(whole, local)):
            return whole
        if local is not None:
            return local
        return Decision.nothing(Reason.TOWN_ONLY if hit is not None else Reason.NOT_RECOGNISED)

    def _within_town(self, hit: TownHit) -> Decision:
        local = self._resolve(hit.rest, hit.town)
        if local is not None and local.status is RouteStatus.MATCHED:
            return local
        elsewhere = self._index.exact_forms(fold_forms(hit.rest), None)
        if elsewhere:
            return Decision(RouteStatus.AMBIGUOUS, Reason.TOWN_MISMATCH.value, elsewhere[:5])
        return local or Decision.nothing(Reason.TOWN_ONLY)

    def _resolve(self, text: str, town: int | None) -> Decision | None:
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
        self, forms: list[tuple[str, str | None]], syllables: list[list[str]], town: int | None
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
        hit = self._finder.find(text, latin=True)
        if hit is not None and hit.strong and not hit.rest:
            return Decision.nothing(Reason.TOWN_ONLY)
        if hit is not None and hit.strong:
            return self._resolve_latin(hit.rest, hit.town) or Decision.nothing(Reason.TOWN_ONLY)
        whole = self._resolve_latin(text, None)
        if whole is not None and whole.status is RouteStatus.MATCHED:
            return whole
        if hit is not None and hit.rest:
            local = self._resolve_latin(hit.rest, hit.town)
            if local is not None:
                return local
        if whole is not None:
            return whole
        return Decision.nothing(Reason.TOWN_ONLY if hit is not None else Reason.NOT_RECOGNISED)

    def _resolve_latin(self, text: str, town: int | None) -> Decision | None:
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


def _rescore(scored: list[tuple[int, float]], score: float) -> list[tuple[int, float]]:
    return [(i, score) for i, _ in scored]


def _better(whole: Decision, local: Decision) -> bool:
    """The whole text's answer beats the one within a soft town only if matched and closer."""
    return whole.status is RouteStatus.MATCHED and whole.scored[0][1] > local.scored[0][1]


def _through_last_suffix(text: str) -> str:
    """The text up to and including its last 村 / 社区 / 小区 / 居委会 (the words after it are a tail)."""
    end = max(text.rfind(suffix) + len(suffix) if suffix in text else -1 for suffix in _NAME_ENDS)
    return text[:end] if 2 <= end < len(text) else text
