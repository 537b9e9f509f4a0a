"""How much the report's charts hold up the event loop, drawn inline vs in a worker thread
(``asyncio.to_thread``, as /report and the weekly summary do). Prints one JSON object.

A ticker sleeps 10 ms in a loop while the demo district's year of charts is drawn; its overshoot
is how late a resident's update would be answered meanwhile. Three runs of each; medians.

    python tests/benchmarks/report_render_lag.py
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")


async def _report(path: Path) -> dict[str, Any]:
    from storage import Database
    from storage.demo import load_demo
    from storage.report import ReportScope, build_report

    db = Database(f"sqlite+aiosqlite:///{path}")
    await db.upgrade()
    async with db.unit_of_work() as session:
        await load_demo(session, today=date(2026, 11, 25), tz=TZ)
    async with db.reading() as session:
        report = await build_report(session, date(2026, 1, 1), date(2026, 11, 25), TZ,
                                    datetime.now(UTC), ReportScope(None))
    await db.dispose()
    return report


async def _once(report: dict[str, Any], labels: dict[str, str], threaded: bool
                ) -> tuple[float, float]:
    from storage.report_render import render_report_charts

    lags: list[float] = []
    stop = asyncio.Event()

    async def ticker() -> None:
        while not stop.is_set():
            started = time.perf_counter()
            await asyncio.sleep(0.01)
            lags.append(time.perf_counter() - started - 0.01)

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0.05)
    started = time.perf_counter()
    if threaded:
        await asyncio.to_thread(render_report_charts, report, labels)
    else:
        render_report_charts(report, labels)
    took = time.perf_counter() - started
    stop.set()
    await task
    return took, max(lags)


async def main() -> dict[str, Any]:
    from storage.report_render import render_report_charts, report_labels

    with tempfile.TemporaryDirectory() as folder:
        report = await _report(Path(folder) / "demo.sqlite3")
    labels = report_labels("zh")
    render_report_charts(report, labels)  # fonts loaded once, as in a running service
    out: dict[str, Any] = {"load": os.getloadavg()[0]}
    for name, threaded in (("inline", False), ("to_thread", True)):
        runs = [await _once(report, labels, threaded) for _ in range(3)]
        out[name] = {"render_s_median": round(statistics.median(r[0] for r in runs), 2),
                     "max_loop_lag_ms_median": round(1000 * statistics.median(r[1] for r in runs),
                                                     1)}
    out["lag_ratio_inline_to_thread"] = round(
        out["inline"]["max_loop_lag_ms_median"] / max(out["to_thread"]["max_loop_lag_ms_median"],
                                                      0.1), 1)
    return out


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main())))
