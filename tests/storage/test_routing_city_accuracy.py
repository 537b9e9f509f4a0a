"""Routing over the whole city on a generated noisy set (tests/storage/routing_cases.py): names
typed the ways residents type them, with a district before or after, pinyin, traditional script,
homophones, typos, dropped characters and tails. The issue measured 28% before districts."""

from __future__ import annotations

from routing_cases import evaluate, generate_city_cases

from storage.divisions import load_city_divisions
from storage.routing import CommunityEntry, Router, TownEntry


def test_city_routing_is_right_on_noisy_names() -> None:
    city = load_city_divisions()
    router = Router.from_entries(
        [TownEntry(t.code, t.name, t.short_name) for t in city.towns],
        [CommunityEntry(c.code, c.name, c.short_name, c.town_code, c.unit_type)
         for c in city.communities],
    )
    rates = evaluate(router.route, generate_city_cases(every=6))
    summary = rates.summary()
    assert summary["top1_resolvable"] >= 0.97, summary
    assert summary["ambiguous_fully_offered"] >= 0.97, summary
    assert summary["none_on_none"] == 1.0, summary
    assert summary["confident_wrong"] <= 0.006, summary
    by_noise = summary["by_noise"]
    assert isinstance(by_noise, dict)
    for noise in ("district_before", "district_after", "traditional", "tail", "short_name"):
        assert by_noise[noise]["right"] >= 0.98, (noise, by_noise[noise])
    for noise in ("pinyin", "homophone", "typo", "dropped_char"):
        assert by_noise[noise]["right"] >= 0.93, (noise, by_noise[noise])
