"""kill -9 of the service in the middle of a broadcast, then a restart: it continues where it
stopped — nobody missed, nobody twice except at most the recipients in flight at the kill.
Runs the broadcast benchmark small (the service in its own process, Telegram's limits on)."""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "broadcast.py"


async def test_kill_9_mid_broadcast_resumes_without_missing_anyone() -> None:
    spec = importlib.util.spec_from_file_location("broadcast_bench", BENCH)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    args = argparse.Namespace(recipients=150, crash=True, talkers=10, rate=2.0, idle_seconds=2.0)
    result = await bench.main(args)
    assert "crash_in_flight" in result, result  # the kill happened half-way
    assert result["crash_missed"] == 0, result
    assert result["crash_duplicates"] <= result["crash_in_flight"], result
    assert result["protocol_violations"] == 0, result
