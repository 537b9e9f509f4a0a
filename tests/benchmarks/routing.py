"""Routing benchmark: prints one JSON object.

For the Miyun index (the generated test set as queries) and a synthetic index of 100,000
communities: index build time, extra memory (RSS) of the index, p50/p99 time per query, and the
accuracy report per noise type.

    /work/venv/bin/python tests/benchmarks/routing.py [--size 100000] [--queries 5000]
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "storage"))

from rapidfuzz import process  # noqa: E402
from rapidfuzz.distance import Levenshtein  # noqa: E402
from routing_cases import Case, evaluate, generate_cases, generate_city_cases  # noqa: E402

from storage.divisions import load_city_divisions  # noqa: E402
from storage.routing import (  # noqa: E402
    CommunityEntry,
    Router,
    RouteStatus,
    TownEntry,
    read_divisions,
)


def rss_bytes() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * 4096


def timed_build(build: Callable[[], Router], repeat: int) -> tuple[Router, dict[str, float]]:
    gc.collect()
    before = rss_bytes()
    started = time.perf_counter()
    router = build()
    first = time.perf_counter() - started
    gc.collect()
    extra = rss_bytes() - before
    times = [first]
    for _ in range(repeat - 1):
        started = time.perf_counter()
        build()
        times.append(time.perf_counter() - started)
    return router, {
        "build_s_first": round(first, 3),
        "build_s_median": round(statistics.median(times), 3),
        "extra_rss_mb": round(extra / 2**20, 1),
    }


def latencies(router: Router, queries: Sequence[str]) -> dict[str, float]:
    for q in queries[:200]:
        router.route(q)  # warm the caches, as a running service has
    samples = []
    for q in queries:
        started = time.perf_counter_ns()
        router.route(q)
        samples.append(time.perf_counter_ns() - started)
    samples.sort()
    return {
        "queries": len(samples),
        "p50_ms": round(samples[len(samples) // 2] / 1e6, 3),
        "p99_ms": round(samples[int(len(samples) * 0.99)] / 1e6, 3),
        "max_ms": round(samples[-1] / 1e6, 3),
    }


# --- synthetic district -------------------------------------------------------------------------


def synthetic(size: int, seed: int = 7) -> tuple[list[TownEntry], list[CommunityEntry]]:
    """``size`` communities in size/50 towns, names drawn from Miyun's own characters and shapes."""
    rnd = random.Random(seed)
    _, real = read_divisions()
    stems = [c.short_name.removesuffix("村").removesuffix("社区") for c in real]
    heads = "".join(s[:-1] for s in stems if len(s) >= 2)
    tails = [s[-1] for s in stems] + ["各庄", "家峪", "庄子", "沟", "峪", "台", "营", "甸子", "寨"]
    towns = [TownEntry(f"9{i:08d}", f"{rnd.choice(heads)}{rnd.choice(heads)}{rnd.choice(heads)}镇")
             for i in range(max(1, size // 50))]
    communities = []
    for i in range(size):
        stem = "".join(rnd.choice(heads) for _ in range(rnd.choice((1, 1, 2, 2, 3)))) + rnd.choice(tails)
        village = rnd.random() < 0.8
        short = stem + ("村" if village else "社区")
        town = towns[i % len(towns)]
        communities.append(
            CommunityEntry(
                code=f"{town.code}{i // len(towns):03d}",
                name=stem + ("村民委员会" if village else "社区居民委员会"),
                short_name=short,
                town_code=town.code,
                unit_type="village_committee" if village else "residents_committee",
            )
        )
    return towns, communities


def _typo(rnd: random.Random, stem: str, stems: list[str]) -> str | None:
    """One substituted character that is no other name and has its own name as the only nearest."""
    for _ in range(5):
        pos = rnd.randrange(len(stem))
        typo = stem[:pos] + rnd.choice("东西南北上下前后大小") + stem[pos + 1 :]
        near = process.extract(typo, stems, scorer=Levenshtein.distance, score_cutoff=1, limit=3)
        if len(stem) >= 3 and [choice for choice, _, _ in near] == [stem]:
            return typo
    return None


def synthetic_queries(
    towns: list[TownEntry], communities: list[CommunityEntry], count: int, seed: int = 11
) -> list[tuple[str, str, frozenset[str]]]:
    """(query, noise, right codes) with the same kinds of noise as the Miyun set."""
    rnd = random.Random(seed)
    town_name = {t.code: t.name for t in towns}
    by_short: dict[str, set[str]] = {}
    by_town_short: dict[tuple[str, str], set[str]] = {}
    for c in communities:
        by_short.setdefault(c.short_name, set()).add(c.code)
        by_town_short.setdefault((c.town_code, c.short_name), set()).add(c.code)
    stems = sorted({_stem(c) for c in communities})
    out: list[tuple[str, str, frozenset[str]]] = []
    for c in rnd.sample(communities, count):
        town, in_town = town_name[c.town_code], frozenset(by_town_short[(c.town_code, c.short_name)])
        kind = rnd.randrange(6)
        if kind == 0:
            out.append((c.short_name, "short_name", frozenset(by_short[c.short_name])))
        elif kind == 1:
            out.append((town + c.short_name, "town", in_town))
        elif kind == 2:
            out.append((f"北京市密云区{town}{c.short_name}3号楼2单元", "prefix_tail", in_town))
        elif kind == 3:
            out.append((rnd.choice(["你好", "我要投诉", "123", "路灯坏了好几天了", "谢谢"]), "non_address", frozenset()))
        else:
            typo = _typo(rnd, _stem(c), stems)
            if typo is not None and len(by_short[c.short_name]) == 1:
                out.append((typo + c.short_name.removeprefix(_stem(c)), "typo", frozenset({c.code})))
    return out


def _stem(c: CommunityEntry) -> str:
    return c.name.removesuffix("村民委员会").removesuffix("社区居民委员会")


def synthetic_report(router: Router, queries: list[tuple[str, str, frozenset[str]]]) -> dict[str, object]:
    """Per noise type: top-1 right (none, for non-addresses), every right code offered, and
    answered ``matched`` with a wrong community."""
    report: dict[str, list[int]] = {}
    for query, noise, codes in queries:
        result = router.route(query)
        got = [c.code for c in result.candidates]
        if noise == "non_address":
            top1 = offered = result.status is RouteStatus.NONE
        else:
            top1, offered = bool(got) and got[0] in codes, codes <= set(got)
        wrong = result.status is RouteStatus.MATCHED and (len(codes) != 1 or got[0] not in codes)
        tally = report.setdefault(noise, [0, 0, 0, 0])
        for k, value in enumerate((1, top1, offered, wrong)):
            tally[k] += value
    return {
        noise: {
            "cases": n,
            "top1": round(top1 / n, 4),
            "all_offered": round(offered / n, 4),
            "confident_wrong": round(wrong / n, 4),
        }
        for noise, (n, top1, offered, wrong) in sorted(report.items())
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=5_000)
    args = parser.parse_args()

    cases: tuple[Case, ...] = generate_cases()
    towns, communities = read_divisions()
    Router.from_entries(towns, communities)  # imports, OpenCC and pypinyin dictionaries
    router, miyun_build = timed_build(lambda: Router.from_entries(towns, communities), 5)
    miyun = {
        "communities": len(communities),
        **miyun_build,
        **latencies(router, [c.query for c in cases]),
        "accuracy": evaluate(router.route, cases).summary(),
    }

    city_divisions = load_city_divisions()
    c_towns = [TownEntry(t.code, t.name, t.short_name) for t in city_divisions.towns]
    c_communities = [CommunityEntry(c.code, c.name, c.short_name, c.town_code, c.unit_type)
                     for c in city_divisions.communities]
    city_router, city_build = timed_build(lambda: Router.from_entries(c_towns, c_communities), 3)
    city_cases = generate_city_cases()
    city = {
        "communities": len(c_communities),
        "towns": len(c_towns),
        "districts": len(city_divisions.districts),
        **city_build,
        **latencies(city_router, [c.query for c in city_cases]),
        "accuracy": evaluate(city_router.route, city_cases).summary(),
    }

    s_towns, s_communities = synthetic(args.size)
    big, big_build = timed_build(lambda: Router.from_entries(s_towns, s_communities), 2)
    queries = synthetic_queries(s_towns, s_communities, args.queries)
    large = {
        "communities": len(s_communities),
        "towns": len(s_towns),
        **big_build,
        **latencies(big, [q for q, _, _ in queries]),
        "query_kinds": "short name (names repeat: often ambiguous), town + name, prefix + tail, "
        "typo, non-address",
        "accuracy": synthetic_report(big, queries),
    }
    print(json.dumps({"miyun": miyun, "city": city, "synthetic": large}, ensure_ascii=False))


if __name__ == "__main__":
    main()
