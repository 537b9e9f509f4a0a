"""Finding the town (镇 / 街道 / 地区) a resident named, so the search can be narrowed to it.

A town written with its suffix (溪翁庄镇, 鼓楼街道) is *strong* wherever it stands; a bare town
stem at the front (溪翁庄金叵罗) is *soft*: many stems are also village names (溪翁庄村, 古北口),
so the caller tries the whole text first. Across the city one town name may be several towns
(城关街道): a hit holds all of them that are in the scope asked about.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .entries import TownEntry, town_stem
from .index import Scope
from .keys import PinyinKeys
from .normalize import is_suffix_only, starts_with_suffix

__all__ = ["TownFinder", "TownHit", "Scope"]

_HANZI_SUFFIXES = ("镇", "乡", "街道", "地区", "街道办事处", "办事处")
_LATIN_SUFFIXES = ("zhen", "xiang", "jiedao", "diqu")

_Names = dict[str, tuple[int, ...]]


def _put(names: _Names, key: str, town: int) -> None:
    have = names.get(key, ())
    if town not in have:
        names[key] = (*have, town)


@dataclass(frozen=True, slots=True)
class TownHit:
    towns: frozenset[int]  # indexes into the router's towns
    rest: str  # the text without the town
    strong: bool


class TownFinder:
    def __init__(self, towns: Sequence[TownEntry], pinyin: PinyinKeys) -> None:
        self.strong: _Names = {}
        self.soft: _Names = {}
        self.latin_strong: _Names = {}
        self.latin_soft: _Names = {}
        for i, town in enumerate(towns):
            stem = town_stem(town.name)
            _put(self.strong, town.name, i)
            if town.short_name and town.short_name != stem:
                _put(self.strong, town.short_name, i)
            if stem != town.name:
                _put(self.soft, stem, i)
                for suffix in _HANZI_SUFFIXES:
                    _put(self.strong, stem + suffix, i)
            latin = "".join(pinyin.syllables(stem))
            _put(self.latin_strong, "".join(pinyin.syllables(town.name)), i)
            if stem != town.name:
                _put(self.latin_soft, latin, i)
                for suffix in _LATIN_SUFFIXES:
                    _put(self.latin_strong, latin + suffix, i)
        self._longest = max((len(k) for k in self.strong), default=0)
        self._latin_longest = max((len(k) for k in self.latin_strong), default=0)

    def names(self) -> list[str]:
        return [*self.strong, *self.soft]

    def latin_names(self) -> list[str]:
        return [*self.latin_strong, *self.latin_soft]

    def is_town(self, text: str, latin: bool = False) -> bool:
        return text in (self.latin_strong if latin else self.strong)

    def find(self, text: str, latin: bool = False, scope: Scope = None) -> TownHit | None:
        """The town named in ``text`` (within ``scope``) and what is left; None if none (or only
        a suffix is left)."""
        strong, soft = (self.latin_strong, self.latin_soft) if latin else (self.strong, self.soft)
        longest = self._latin_longest if latin else self._longest
        hit = self._at_front(text, strong, longest, scope, strong=True)
        if hit is None and not latin:
            hit = self._inside(text, longest, scope)
        if hit is None:
            hit = self._at_front(text, soft, longest, scope, strong=False)
        return hit

    @staticmethod
    def _within(towns: tuple[int, ...], scope: Scope) -> frozenset[int]:
        return frozenset(towns if scope is None else (t for t in towns if t in scope))

    @classmethod
    def _at_front(
        cls, text: str, names: _Names, longest: int, scope: Scope, *, strong: bool
    ) -> TownHit | None:
        for size in range(min(len(text), longest), 1, -1):
            towns = cls._within(names.get(text[:size], ()), scope)
            if not towns:
                continue
            rest = text[size:]
            if rest and (is_suffix_only(rest) or starts_with_suffix(rest)):  # 太师屯镇社区
                return None
            return TownHit(towns, rest, strong)
        return None

    def _inside(self, text: str, longest: int, scope: Scope) -> TownHit | None:
        """金叵罗村溪翁庄镇: a suffixed town after the name."""
        for start in range(1, len(text) - 1):
            for size in range(min(len(text) - start, longest), 2, -1):
                towns = self._within(self.strong.get(text[start : start + size], ()), scope)
                after = text[start + size :]
                if towns and not (after and (is_suffix_only(after) or starts_with_suffix(after))):
                    return TownHit(towns, text[:start] + after, True)
        return None
