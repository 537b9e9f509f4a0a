"""Finding the town (镇 / 街道 / 地区) a resident named, so the search can be narrowed to it.

A town written with its suffix (溪翁庄镇, 鼓楼街道) is *strong* wherever it stands; a bare town
stem at the front (溪翁庄金叵罗) is *soft*: many stems are also village names (溪翁庄村, 古北口),
so the caller tries the whole text first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .entries import TownEntry, town_stem
from .keys import PinyinKeys
from .normalize import is_suffix_only, starts_with_suffix

__all__ = ["TownFinder", "TownHit"]

_HANZI_SUFFIXES = ("镇", "乡", "街道", "地区", "街道办事处", "办事处")
_LATIN_SUFFIXES = ("zhen", "xiang", "jiedao", "diqu")


@dataclass(frozen=True, slots=True)
class TownHit:
    town: int  # index into the router's towns
    rest: str  # the text without the town
    strong: bool


class TownFinder:
    def __init__(self, towns: Sequence[TownEntry], pinyin: PinyinKeys) -> None:
        self.strong: dict[str, int] = {}
        self.soft: dict[str, int] = {}
        self.latin_strong: dict[str, int] = {}
        self.latin_soft: dict[str, int] = {}
        for i, town in enumerate(towns):
            stem = town_stem(town.name)
            self.strong[town.name] = i
            if town.short_name and town.short_name != stem:
                self.strong.setdefault(town.short_name, i)
            if stem != town.name:
                self.soft.setdefault(stem, i)
                for suffix in _HANZI_SUFFIXES:
                    self.strong.setdefault(stem + suffix, i)
            latin = "".join(pinyin.syllables(stem))
            self.latin_strong.setdefault("".join(pinyin.syllables(town.name)), i)
            if stem != town.name:
                self.latin_soft.setdefault(latin, i)
                for suffix in _LATIN_SUFFIXES:
                    self.latin_strong.setdefault(latin + suffix, i)
        self._longest = max((len(k) for k in self.strong), default=0)
        self._latin_longest = max((len(k) for k in self.latin_strong), default=0)

    def is_town(self, text: str, latin: bool = False) -> bool:
        return text in (self.latin_strong if latin else self.strong)

    def find(self, text: str, latin: bool = False) -> TownHit | None:
        """The town named in ``text`` and what is left; None if none (or only a suffix is left)."""
        strong, soft = (self.latin_strong, self.latin_soft) if latin else (self.strong, self.soft)
        longest = self._latin_longest if latin else self._longest
        hit = self._at_front(text, strong, longest, strong=True)
        if hit is None and not latin:
            hit = self._inside(text, longest)
        if hit is None:
            hit = self._at_front(text, soft, longest, strong=False)
        return hit

    @staticmethod
    def _at_front(text: str, names: dict[str, int], longest: int, *, strong: bool) -> TownHit | None:
        for size in range(min(len(text), longest), 1, -1):
            town = names.get(text[:size])
            if town is None:
                continue
            rest = text[size:]
            if rest and (is_suffix_only(rest) or starts_with_suffix(rest)):  # 太师屯镇社区
                return None
            return TownHit(town, rest, strong)
        return None

    def _inside(self, text: str, longest: int) -> TownHit | None:
        """金叵罗村溪翁庄镇: a suffixed town after the name."""
        for start in range(1, len(text) - 1):
            for size in range(min(len(text) - start, longest), 2, -1):
                town = self.strong.get(text[start : start + size])
                after = text[start + size :]
                if town is not None and not (after and (is_suffix_only(after) or starts_with_suffix(after))):
                    return TownHit(town, text[:start] + after, True)
        return None
