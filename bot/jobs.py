"""A small scheduler for periodic jobs (reminders, digests, clean-up) on the service's clock."""

from __future__ import annotations

import asyncio
import logging
import time

from dialogs.kernel.flow import Job

__all__ = ["Scheduler"]

log = logging.getLogger("jiazhan.jobs")


class Scheduler:
    def __init__(self, jobs: list[Job], *, tick: float = 1.0) -> None:
        self.jobs = jobs
        self.tick = tick
        self._next = {job.name: 0.0 for job in jobs}
        self._stopping = asyncio.Event()
        self.first_pass = asyncio.Event()  # set once every job has run once (tests wait on it)
        self.current: str | None = None  # the job running now (what a stop may interrupt)

    def stop(self) -> None:
        self._stopping.set()

    async def run_due(self) -> None:
        now = time.monotonic()
        for job in self.jobs:
            if now < self._next[job.name]:
                continue
            self._next[job.name] = now + job.interval
            self.current = job.name
            try:
                await job.run()
            except Exception as exc:  # noqa: BLE001 - one failing job must not stop the others
                log.error("job %s failed: %s", job.name, type(exc).__name__)
            finally:
                self.current = None

    async def run(self) -> None:
        while not self._stopping.is_set():
            await self.run_due()
            self.first_pass.set()
            try:
                await asyncio.wait_for(self._stopping.wait(), timeout=self.tick)
            except TimeoutError:
                pass
