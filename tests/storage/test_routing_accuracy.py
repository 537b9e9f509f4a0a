"""The issue's rates on the generated test set (tests/storage/routing_cases.py)."""

from __future__ import annotations

import pytest
from routing_cases import AMBIGUOUS, NONE, RESOLVABLE, Rates, evaluate, generate_cases

from storage.routing import Router, read_divisions


@pytest.fixture(scope="module")
def rates() -> Rates:
    return evaluate(Router.from_entries(*read_divisions()).route, generate_cases())


def test_the_set_covers_every_kind_of_noise() -> None:
    cases = generate_cases()
    kinds = {c.noise for c in cases}
    assert {
        "suffix", "prefix", "tail", "typo", "homophone", "dropped_char", "traditional", "pinyin",
        "bare_name", "town", "town_stem", "other_district", "non_address", "combined",
    } <= kinds
    expected = {c.expect for c in cases}
    assert expected == {RESOLVABLE, AMBIGUOUS, NONE}
    assert sum(c.expect == AMBIGUOUS for c in cases) >= 50
    assert len(cases) >= 5000


def test_top1_on_resolvable(rates: Rates) -> None:
    assert rates.top1 / rates.resolvable >= 0.97, rates.wrong[:20]


def test_confident_wrong_is_rarer_than_one_in_200(rates: Rates) -> None:
    assert rates.confident_wrong / rates.total <= 0.005, rates.wrong[:20]


def test_every_right_candidate_offered_on_ambiguous(rates: Rates) -> None:
    assert rates.fully_offered / rates.ambiguous >= 0.95, rates.wrong[:20]


def test_none_on_out_of_area_and_non_address(rates: Rates) -> None:
    assert rates.none_given / rates.none_expected >= 0.95, rates.wrong[:20]
    for noise in ("other_district", "non_address"):
        cases, right = rates.by_noise[noise]
        assert right / cases >= 0.95, noise


def test_most_resolvable_queries_are_answered_outright(rates: Rates) -> None:
    """Top-1 could be met by offering everything; most answers must be a confident match."""
    assert rates.matched_right / rates.resolvable >= 0.9
