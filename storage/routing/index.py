"""The name index: exact keys, pinyin keys and a gram shortlist, built once, read many times.

Every community contributes its stem (金叵罗) and its short name (金叵罗村); every alias its
folded text. Fuzzy matching never scans everything: character bigrams and pinyin-syllable bigrams
shortlist at most ``SHORTLIST`` entries, and rapidfuzz scores only those.
"""

from __future__ import annotations

import gc
import heapq
from array import array
from collections import defaultdict
from collections.abc import Iterable, Sequence

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from .entries import AliasEntry, CommunityEntry, community_stem, official_base
from .keys import (
    PinyinKeys,
    entry_grams,
    hanzi_bigrams,
    initials,
    latin_trigrams,
    skip_bigrams,
    syllable_bigrams,
)
from .normalize import fold_forms, name_key, prepare

__all__ = ["NameIndex", "Scored", "Scope", "SHORTLIST", "keyable"]

Scope = frozenset[int] | None  # town indexes a lookup is limited to (None: everywhere)

SHORTLIST = 64
_COMMON_GRAM = 5000  # a gram shared by more entries than this does not shortlist
_ANY_KIND = ""  # alias entries match whatever suffix was typed
_INSIDE_MIN = 4  # a suffixed name found inside text, not at its start, is this long at least
_PINYIN_WEIGHT = 0.9  # a pinyin-only likeness counts a little less than the same in hanzi

Scored = list[tuple[int, float]]  # (community index, score in 0..1)
_Bucket = dict[str, "int | tuple[int, ...]"]


def _add(bucket: _Bucket, key: str, value: int) -> None:
    have = bucket.get(key)
    if have is None:
        bucket[key] = value
    elif isinstance(have, int):
        if have != value:
            bucket[key] = (have, value)
    elif value not in have:
        bucket[key] = (*have, value)


def _get(bucket: _Bucket, key: str) -> tuple[int, ...]:
    have = bucket.get(key)
    if have is None:
        return ()
    return (have,) if isinstance(have, int) else have


def _similarities(query: Sequence[str], choices: list[Sequence[str]]) -> list[float]:
    """Normalised Levenshtein similarity (0..1) of ``query`` to each choice, in order.

    Edit distance is how typing goes wrong (one substituted, dropped or extra character); Indel
    ratio would count a substitution twice and rank 张庄子 as close to 张龙庄 as 张家庄 is.
    """
    scores = [0.0] * len(choices)
    for _, score, i in process.extract(query, choices, scorer=Levenshtein.normalized_similarity, limit=None):
        scores[i] = score
    return scores


class NameIndex:
    """Entries are name forms (a community's stem, or an alias) pointing at a community."""

    def __init__(self, communities: Sequence[CommunityEntry], town_of: Sequence[int]) -> None:
        self.communities = communities
        self.town_of = town_of
        self.pinyin = PinyinKeys()
        self.entry_stem: list[str] = []
        self.entry_pinyin: list[str] = []
        self.entry_community = array("i")
        self.entry_kind: list[str] = []
        self.exact: _Bucket = {}  # hanzi key → entry ids
        self.by_pinyin: _Bucket = {}  # toneless pinyin of a stem → entry ids
        self.by_initials: _Bucket = {}
        self.grams: defaultdict[str, list[int]] = defaultdict(list)
        self.town_entries: dict[int, list[int]] = {}
        self.longest_key = 0
        self.unkeyed: list[str] = []  # names (of communities or aliases) the index could not key

    @classmethod
    def build(
        cls,
        communities: Sequence[CommunityEntry],
        town_of: Sequence[int],
        aliases: Iterable[tuple[AliasEntry, int]] = (),
    ) -> NameIndex:
        """Builds with the cyclic garbage collector paused: the index makes hundreds of thousands
        of small lists and no cycles, and collections triggered by them cost a third of the time."""
        paused = gc.isenabled()
        gc.disable()
        try:
            return cls._build(communities, town_of, aliases)
        finally:
            if paused:
                gc.enable()

    @classmethod
    def _build(
        cls,
        communities: Sequence[CommunityEntry],
        town_of: Sequence[int],
        aliases: Iterable[tuple[AliasEntry, int]],
    ) -> NameIndex:
        index = cls(communities, town_of)
        for i, community in enumerate(communities):
            try:
                index._add_community(i, community)
            except Exception:  # noqa: BLE001 - no name may take routing down; it is reported
                index.unkeyed.append(community.name)
        for alias, i in aliases:
            try:
                prepared = prepare(alias.alias)
                if prepared.script != "hanzi" or not prepared.text:
                    index.unkeyed.append(alias.alias)
                    continue
                forms = fold_forms(prepared.text)
                index._add_entry(forms[-1][0], i, _ANY_KIND, [form for form, _ in forms[:-1]])
            except Exception:  # noqa: BLE001
                index.unkeyed.append(alias.alias)
        return index

    def _add_community(self, i: int, community: CommunityEntry) -> None:
        """Its stem (金叵罗) with its short name as a key, and its official base if different;
        names are keyed as a query would be typed (full-width brackets and the like dropped)."""
        short = name_key(community.short_name)
        stem = community_stem(short, community.unit_type)
        if not stem:
            self.unkeyed.append(community.name)
            return
        self._add_entry(stem, i, community.unit_type, [short] if stem != short else [])
        base = name_key(official_base(community.name))
        if base != stem and len(base) >= 2:  # 四合村 (四合村村民委员会) beside 四合
            self._add_entry(base, i, community.unit_type, [])

    def _add_entry(self, stem: str, community: int, kind: str, extra_keys: list[str]) -> None:
        entry = len(self.entry_stem)
        syllables = self.pinyin.syllables(stem)
        self.entry_stem.append(stem)
        self.entry_pinyin.append(" ".join(syllables))
        self.entry_community.append(community)
        self.entry_kind.append(kind)
        _add(self.by_pinyin, "".join(syllables), entry)
        for key in (stem, *extra_keys):
            if len(key) >= 2:
                _add(self.exact, key, entry)
                self.longest_key = max(self.longest_key, len(key))
            if key != stem:
                key_syllables = (
                    syllables + self.pinyin.syllables(key[len(stem) :])
                    if key.startswith(stem)
                    else self.pinyin.syllables(key)
                )
                _add(self.by_pinyin, "".join(key_syllables), entry)
        _add(self.by_initials, initials(syllables), entry)
        postings = self.grams
        for gram in entry_grams(stem, syllables):
            postings[gram].append(entry)
        self.town_entries.setdefault(self.town_of[community], []).append(entry)

    # --- lookups -------------------------------------------------------------------------------

    def _in_scope(self, entries: Iterable[int], scope: Scope, hint: str | None) -> list[int]:
        kept = [e for e in entries if scope is None or self.town_of[self.entry_community[e]] in scope]
        if hint:
            hinted = [e for e in kept if self.entry_kind[e] in (hint, _ANY_KIND)]
            return hinted or kept
        return kept

    def _communities(self, entries: Iterable[int], score: float) -> Scored:
        seen: dict[int, float] = {}
        for e in entries:
            seen.setdefault(self.entry_community[e], score)
        return list(seen.items())

    def exact_forms(self, forms: list[tuple[str, str | None]], scope: Scope) -> Scored:
        """Communities named exactly by the first form that names any (in ``scope`` if given)."""
        for form, hint in forms:
            hits = self._in_scope(_get(self.exact, form), scope, hint)
            if hits:
                return self._communities(hits, 1.0)
        return []

    def pinyin_forms(self, keys: list[tuple[str, str | None]], scope: Scope, score: float) -> Scored:
        """Homophones (金坡罗 → jinpoluo) and typed pinyin: the first key that names any."""
        for key, hint in keys:
            hits = self._in_scope(_get(self.by_pinyin, key), scope, hint)
            if hits:
                return self._communities(hits, score)
        return []

    def initials_of(self, key: str, scope: Scope, score: float) -> Scored:
        return self._communities(self._in_scope(_get(self.by_initials, key), scope, None), score)

    def contained(self, text: str, scope: Scope, ends: tuple[str, ...]) -> Scored:
        """The longest suffixed name inside free text (我们是金叵罗村的 → 金叵罗村).

        At the start any suffixed name counts (宁村东头); further in, only one of four or more
        characters (合牛大村 is not 大村 with something before it)."""
        best: tuple[int, Scored] = (0, [])
        for end in range(len(text), 1, -1):
            if not text.endswith(ends, 0, end):
                continue
            for start in range(max(0, end - self.longest_key), end - 1):
                if end - start <= best[0] or (start > 0 and end - start < _INSIDE_MIN):
                    break
                found = self.exact_forms(fold_forms(text[start:end]), scope)
                if found:
                    best = (end - start, found)
                    break
        return best[1]

    # --- fuzzy ---------------------------------------------------------------------------------

    def shortlist(self, grams: list[str], scope: Scope) -> list[int]:
        if scope is not None:
            local = [e for town in scope for e in self.town_entries.get(town, ())]
            if len(local) <= SHORTLIST:
                return local
        counts: dict[int, int] = {}
        for gram in grams:
            posting = self.grams.get(gram)
            if not posting or len(posting) > _COMMON_GRAM:
                continue
            for e in posting:
                counts[e] = counts.get(e, 0) + 1
        if scope is not None:
            counts = {e: n for e, n in counts.items() if self.town_of[self.entry_community[e]] in scope}
        if len(counts) <= SHORTLIST:
            return list(counts)
        return heapq.nlargest(SHORTLIST, counts, key=counts.__getitem__)

    def fuzzy_hanzi(self, stem: str, syllables: list[str], scope: Scope) -> Scored:
        grams = hanzi_bigrams(stem) + skip_bigrams(stem) + syllable_bigrams(syllables)
        entries = self.shortlist(grams, scope)
        if not entries:
            return []
        by_char = _similarities(stem, [self.entry_stem[e] for e in entries])
        by_sound = _similarities(syllables, [self.entry_pinyin[e].split() for e in entries])
        scored = [(e, max(c, _PINYIN_WEIGHT * s)) for e, c, s in zip(entries, by_char, by_sound, strict=True)]
        return self._best_per_community(scored)

    def fuzzy_latin(self, text: str, syllables: list[str], scope: Scope) -> Scored:
        grams = syllable_bigrams(syllables) + latin_trigrams(text)
        entries = self.shortlist(grams, scope)
        if not entries:
            return []
        by_sound = _similarities(text, [self.entry_pinyin[e].replace(" ", "") for e in entries])
        return self._best_per_community(list(zip(entries, by_sound, strict=True)))

    def _best_per_community(self, scored: list[tuple[int, float]]) -> Scored:
        best: dict[int, float] = {}
        for e, score in scored:
            c = self.entry_community[e]
            if score > best.get(c, -1.0):
                best[c] = score
        return sorted(best.items(), key=lambda item: -item[1])


def keyable(name: str) -> bool:
    """Can the index key this name (is anything left of it that a resident could type)?"""
    try:
        key = name_key(name)
        return bool(key) and bool(PinyinKeys().syllables(key))
    except Exception:  # noqa: BLE001
        return False
