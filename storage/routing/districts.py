"""Finding the district a resident named, and whether the deployment serves it.

Every district of the packaged city list is known, whether loaded or not: written with its suffix
(X区, or the old X县) it is *strong* wherever it stands at the front, and inside the text too
(辛庄村X区); its bare stem at the front (X辛庄村) is *soft*: it does not count where a loaded
name starts the same way (朝阳村, 大兴庄, 延庆镇). A district that is known but not loaded, or a
town of one (回龙观街道 in a one-district deployment), means the address is outside the area.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .entries import DistrictEntry
from .keys import PinyinKeys

__all__ = ["DistrictFinder", "DistrictHit"]

_HANZI_STRONG = ("区", "县")
_LATIN_STRONG = ("qu", "xian")


@dataclass(frozen=True, slots=True)
class DistrictHit:
    code: str
    rest: str  # the text without the district
    loaded: bool
    strong: bool


def _stem(name: str) -> str:
    return name[:-1] if name.endswith(_HANZI_STRONG) and len(name) > 2 else name


class DistrictFinder:
    def __init__(
        self,
        known: Sequence[DistrictEntry],
        loaded: set[str],
        pinyin: PinyinKeys,
        foreign_towns: Iterable[tuple[str, str]] = (),
    ) -> None:
        self.loaded = loaded
        self.strong: dict[str, str] = {}
        self.soft: dict[str, str] = {}
        self.latin_strong: dict[str, str] = {}
        self.latin_soft: dict[str, str] = {}
        for d in known:
            stem = _stem(d.name)
            latin = "".join(pinyin.syllables(stem))
            self.strong[d.name] = d.code
            self.soft.setdefault(stem, d.code)
            self.latin_soft.setdefault(latin, d.code)
            for suffix in _HANZI_STRONG:
                self.strong.setdefault(stem + suffix, d.code)
            for suffix in _LATIN_STRONG:
                self.latin_strong.setdefault(latin + suffix, d.code)
        for name, code in foreign_towns:  # towns of districts not loaded: strong, outside
            self.strong.setdefault(name, code)
        self._blockers: dict[str, tuple[str, ...]] = {}
        self._latin_blockers: dict[str, tuple[str, ...]] = {}
        self._longest = max((len(k) for k in self.strong), default=0)
        self._latin_longest = max((len(k) for k in self.latin_strong), default=0)

    def block(self, names: Iterable[str], latin: bool = False) -> None:
        """Loaded names (community keys, towns) that begin with a district's bare stem."""
        soft = self.latin_soft if latin else self.soft
        found: dict[str, set[str]] = {}
        for name in names:
            for size in range(2, min(len(name), 12)):
                if name[:size] in soft:
                    found.setdefault(name[:size], set()).add(name)
        target = self._latin_blockers if latin else self._blockers
        for stem, blockers in found.items():
            target[stem] = tuple(sorted(set(target.get(stem, ())) | blockers, key=len, reverse=True))

    def find(self, text: str, latin: bool = False) -> DistrictHit | None:
        strong = self.latin_strong if latin else self.strong
        longest = self._latin_longest if latin else self._longest
        for size in range(min(len(text), longest), 1, -1):
            code = strong.get(text[:size])
            if code is not None:
                return DistrictHit(code, text[size:], code in self.loaded, True)
        if not latin:
            hit = self._inside(text)
            if hit is not None:
                return hit
        soft = self.latin_soft if latin else self.soft
        blockers = self._latin_blockers if latin else self._blockers
        for size in range(min(len(text), 12), 1, -1):
            code = soft.get(text[:size])
            if code is None:
                continue
            if any(text.startswith(b) for b in blockers.get(text[:size], ())):
                return None
            return DistrictHit(code, text[size:], code in self.loaded, False)
        return None

    def _inside(self, text: str) -> DistrictHit | None:
        """辛庄村X区, 辛庄村（X区）: a district with its suffix after the name."""
        for start in range(1, len(text) - 1):
            for size in range(min(len(text) - start, self._longest), 2, -1):
                piece = text[start : start + size]
                code = self.strong.get(piece)
                if code is not None and piece.endswith(_HANZI_STRONG):
                    return DistrictHit(code, text[:start] + text[start + size :], code in self.loaded, True)
        return None
