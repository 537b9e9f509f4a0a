"""Lookup keys for a name: toneless pinyin, initials, character and syllable bigrams.

pypinyin's phrase-aware conversion (十里堡 → shi li pu) costs ≈ 20 µs a name; most names have no
phrase in its dictionary, and for those a per-character cache gives the same answer for ≈ 1 µs.
"""

from __future__ import annotations

import unicodedata
from functools import cache

from pypinyin import Style, lazy_pinyin

__all__ = [
    "PinyinKeys",
    "hanzi_bigrams",
    "skip_bigrams",
    "syllable_bigrams",
    "syllable_skips",
    "latin_trigrams",
    "initials",
    "segment_latin",
    "pinyin_syllables",
]


@cache
def _phrases() -> dict[str, object]:
    from pypinyin.phrases_dict import phrases_dict

    return phrases_dict  # type: ignore[no-any-return]


@cache
def pinyin_syllables() -> frozenset[str]:
    """Every toneless syllable pypinyin knows (≈ 420), for splitting typed pinyin."""
    from pypinyin.pinyin_dict import pinyin_dict

    out: set[str] = set()
    for readings in pinyin_dict.values():
        for reading in readings.split(","):
            plain = "".join(c for c in unicodedata.normalize("NFD", reading) if not unicodedata.combining(c))
            out.add(plain.replace("ü", "v"))
    return frozenset(s for s in out if s.isascii() and s.isalpha())


class PinyinKeys:
    """Toneless pinyin syllables of hanzi text, with a per-character cache."""

    def __init__(self) -> None:
        self._chars: dict[str, str] = {}
        self._phrases = _phrases()

    def _char(self, char: str) -> str:
        reading = self._chars.get(char)
        if reading is None:
            reading = lazy_pinyin(char, style=Style.NORMAL, errors="ignore")[0] if "\u3400" <= char else char
            self._chars[char] = reading
        return reading

    def _has_phrase(self, text: str) -> bool:
        phrases = self._phrases
        n = len(text)
        return any(
            text[i : i + size] in phrases for size in range(2, min(n, 5) + 1) for i in range(n - size + 1)
        )

    def syllables(self, text: str) -> list[str]:
        if len(text) > 1 and self._has_phrase(text):
            return lazy_pinyin(text, style=Style.NORMAL, errors="ignore")
        return [self._char(c) for c in text]


def hanzi_bigrams(text: str) -> list[str]:
    return [text[i : i + 2] for i in range(len(text) - 1)]


def skip_bigrams(text: str) -> list[str]:
    """Pairs one apart (金叵罗 → 金罗): a dropped or mistyped middle character still shares one."""
    return [text[i] + text[i + 2] for i in range(len(text) - 2)]


def syllable_bigrams(syllables: list[str]) -> list[str]:
    return [f"{a} {b}" for a, b in zip(syllables, syllables[1:])]


def syllable_skips(syllables: list[str]) -> list[str]:
    return [f"{a} {b}" for a, b in zip(syllables, syllables[2:])]


def latin_trigrams(text: str) -> list[str]:
    """jinpoluo → jin, inp, npo …: typed pinyin with a wrong letter still shares most of these."""
    return [text[i : i + 3] for i in range(len(text) - 2)]


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
