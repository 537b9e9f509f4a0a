"""Lookup keys for a name: toneless pinyin, initials, character and syllable bigrams.

pypinyin's phrase-aware conversion (十里堡 → shi li pu) costs ≈ 20 µs a name; most names have no
phrase in its dictionary, and for those a per-character cache gives the same answer for ≈ 1 µs.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from itertools import pairwise

from pypinyin import Style, lazy_pinyin

__all__ = [
    "PinyinKeys",
    "hanzi_bigrams",
    "skip_bigrams",
    "syllable_bigrams",
    "latin_trigrams",
    "syllable_trigrams",
    "entry_grams",
    "initials",
    "segment_latin",
    "pinyin_syllables",
]


@cache
def _phrases() -> dict[str, list[list[str]]]:
    from pypinyin.phrases_dict import phrases_dict

    return phrases_dict


@cache
def pinyin_syllables() -> frozenset[str]:
    """Every toneless syllable pypinyin knows (≈ 420), for splitting typed pinyin."""
    from pypinyin.pinyin_dict import pinyin_dict

    out = {_toneless(reading) for readings in pinyin_dict.values() for reading in readings.split(",")}
    return frozenset(s for s in out if s.isascii() and s.isalpha())


def _toneless(reading: str) -> str:
    """zhuāng → zhuang, lǜ → lv (as pypinyin's Style.NORMAL writes it)."""
    plain = "".join(c for c in unicodedata.normalize("NFD", reading) if not unicodedata.combining(c))
    return plain.replace("ü", "v")


class PinyinKeys:
    """Toneless pinyin syllables of hanzi text, with a per-character cache."""

    def __init__(self) -> None:
        self._chars: dict[str, str] = {}
        self._phrases = _phrases()
        self._phrase_differs: dict[str, bool] = {}
        self._short: dict[str, list[str]] = {}

    def _char(self, char: str) -> str:
        reading = self._chars.get(char)
        if reading is None:
            if "\u3400" <= char:
                readings = lazy_pinyin(char, style=Style.NORMAL, errors="ignore")
                reading = readings[0] if readings else ""  # punctuation such as （ has none
            else:
                reading = char
            self._chars[char] = reading
        return reading

    def _reads_differently(self, phrase: str) -> bool:
        """Does pypinyin read this dictionary phrase unlike its characters one by one (十里堡)?"""
        differs = self._phrase_differs.get(phrase)
        if differs is None:
            readings = [_toneless(r[0]) for r in self._phrases[phrase]]
            differs = readings != [self._char(c) for c in phrase]
            self._phrase_differs[phrase] = differs
        return differs

    def _needs_phrases(self, text: str) -> bool:
        phrases = self._phrases
        n = len(text)
        for size in range(2, min(n, 5) + 1):
            for i in range(n - size + 1):
                part = text[i : i + size]
                if part in phrases and self._reads_differently(part):
                    return True
        return False

    def syllables(self, text: str) -> list[str]:
        if len(text) <= 2:  # suffixes (村, 社区) and short names come back again and again
            cached = self._short.get(text)
            if cached is None:
                cached = self._short[text] = self._syllables(text)
            return list(cached)
        return self._syllables(text)

    def _syllables(self, text: str) -> list[str]:
        if len(text) > 1 and self._needs_phrases(text):
            return lazy_pinyin(text, style=Style.NORMAL, errors="ignore")
        return [r for r in map(self._char, text) if r]


def hanzi_bigrams(text: str) -> list[str]:
    return [text[i : i + 2] for i in range(len(text) - 1)]


def skip_bigrams(text: str) -> list[str]:
    """Pairs one apart (金叵罗 → 金罗): a dropped or mistyped middle character still shares one."""
    return [text[i] + text[i + 2] for i in range(len(text) - 2)]


def syllable_bigrams(syllables: list[str]) -> list[str]:
    return [f"{a} {b}" for a, b in pairwise(syllables)]


def latin_trigrams(text: str) -> list[str]:
    """jinpoluo → jin, inp, npo …: typed pinyin with a wrong letter still shares most of these."""
    return [text[i : i + 3] for i in range(len(text) - 2)]


def syllable_trigrams(syllables: list[str]) -> list[str]:
    """The three letters from each syllable's start (jinpoluo → jin, pol, luo); typed pinyin is
    matched with all its trigrams, so a wrong letter in one syllable leaves the others found."""
    joined = "".join(syllables)
    out, start = [], 0
    for syllable in syllables:
        if start + 3 <= len(joined):
            out.append(joined[start : start + 3])
        start += len(syllable)
    return out


def entry_grams(stem: str, syllables: list[str]) -> set[str]:
    """Everything an index entry is shortlisted by (one pass; this runs 100,000 times)."""
    grams = {stem[i : i + 2] for i in range(len(stem) - 1)}
    grams.update(stem[i] + stem[i + 2] for i in range(len(stem) - 2))
    joined = "".join(syllables)
    start = 0
    for i, syllable in enumerate(syllables):
        if i + 1 < len(syllables):
            grams.add(f"{syllable} {syllables[i + 1]}")
        if start + 3 <= len(joined):
            grams.add(joined[start : start + 3])
        start += len(syllable)
    return grams


def initials(syllables: list[str]) -> str:
    return "".join(s[0] for s in syllables if s)


def segment_latin(text: str) -> list[str]:
    """Split typed pinyin into syllables (fewest pieces; an unknown letter stands alone)."""
    known = pinyin_syllables()
    n = len(text)
    best: list[tuple[int, int]] = [(0, 0)] + [(1 << 30, 0)] * n  # (cost, start of last piece)
    for end in range(1, n + 1):
        for size in range(1, min(6, end) + 1):
            piece = text[end - size : end]
            cost = best[end - size][0] + (1 if piece in known else 3 if size == 1 else 1 << 20)
            if cost < best[end][0]:
                best[end] = (cost, end - size)
    pieces: list[str] = []
    end = n
    while end > 0:
        start = best[end][1]
        pieces.append(text[start:end])
        end = start
    return pieces[::-1]
