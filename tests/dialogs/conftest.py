"""End-to-end harness: the real service (PTB over HTTP) against the strict Bot API emulator, on a
fresh copy of the demo district, with a controllable clock."""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.emulator import BotApiEmulator, Limits, SimGroup, SimUser
from bot.idle import wait_idle
from bot.pacing import Limits as PacerLimits
from bot.service import Service
from bot.settings import Settings
from storage import Database

TZ = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 11, 25, 9, 0, tzinfo=TZ)
STAFF_CHAT_ID = -1001000000001
STAFF_ADMINS = (9001, 9002)  # two staff members (group administrators)
TOKEN = "123456:TEST"


class FakeClock:
    """Runs with real time from START, and jumps forward on `advance`."""

    def __init__(self, start: datetime = START) -> None:
        self._base = start.astimezone(UTC)
        self._t0 = time.monotonic()
        self._offset = timedelta()

    def now(self) -> datetime:
        return self._base + self._offset + timedelta(seconds=time.monotonic() - self._t0)

    def advance(self, delta: timedelta) -> None:
        self._offset += delta

    __call__ = now


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The demo district loaded once; every test gets its own copy of the file."""
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"

    async def build() -> None:
        from storage.demo import load_demo

        db = Database(f"sqlite+aiosqlite:///{path}")
        await db.upgrade()
        async with db.unit_of_work() as session:
            await load_demo(session, today=date(2026, 11, 25), tz=TZ)
        async with db.engine.connect() as conn:
            await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        await db.dispose()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, build()).result()
    yield path


@pytest.fixture(scope="session")
def city_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The whole-city demo (16 districts), loaded once for the tests that ask for it."""
    path = tmp_path_factory.mktemp("city") / "city.sqlite3"

    async def build() -> None:
        from storage.demo import load_demo

        db = Database(f"sqlite+aiosqlite:///{path}")
        await db.upgrade()
        async with db.unit_of_work() as session:
            await load_demo(session, today=date(2026, 11, 25), tz=TZ, area="北京市")
        async with db.engine.connect() as conn:
            await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        await db.dispose()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, build()).result()
    yield path


@dataclass
class Env:
    emulator: BotApiEmulator
    settings: Settings
    db_url: str
    clock: FakeClock
    service: Service
    staff_group: SimGroup
    pacer_limits: PacerLimits
    db: Database = field(init=False)

    def __post_init__(self) -> None:
        self.db = Database(self.db_url)

    def user(self, user_id: int = 1001, language_code: str = "zh-hans",
             first_name: str | None = None) -> SimUser:
        return self.emulator.user(user_id, first_name, language_code)

    async def start_service(self) -> None:
        self.service = Service(self.settings, clock=self.clock, limits=self.pacer_limits,
                               serve_http=False)
        await self.service.start()
        # The jobs' first pass (today's digest written while nothing has happened yet, …) is
        # over before a test acts: otherwise it races the test's first steps.
        if self.service.scheduler is not None:
            await asyncio.wait_for(self.service.scheduler.first_pass.wait(), 60)

    async def restart(self) -> None:
        """Stop the bot and start a new process-equivalent on the same database."""
        await self.service.stop()
        await self.start_service()

    async def run_jobs(self) -> None:
        assert self.service.scheduler is not None
        for job in self.service.scheduler.jobs:
            await job.run()

    async def settle(self, timeout: float = 10.0) -> None:
        """Wait until every update is handled and every due outbox message is sent."""
        if not await wait_idle(self.emulator, self.service, timeout):
            raise AssertionError("the bot did not settle in time")


@pytest.fixture
async def env(demo_template: Path, tmp_path: Path, request: pytest.FixtureRequest
              ) -> AsyncIterator[Env]:
    """``@pytest.mark.parametrize("env", [{"forum": True}], indirect=True)``: a staff group with
    forum topics; ``{"no_staff_group": True}``: the service runs without one configured;
    ``{"area_name": "…"}``: a configured name for the service area; ``{"city": True}``: the
    whole-city demo instead of Miyun."""
    options = getattr(request, "param", {}) or {}
    db_file = tmp_path / "jiazhan.sqlite3"
    template = request.getfixturevalue("city_template") if options.get("city") else demo_template
    shutil.copyfile(template, db_file)
    # Fast but real limits: the emulator refuses what Telegram would; our pacer keeps under them.
    emulator = BotApiEmulator(TOKEN, limits=Limits(private_rate=20.0, private_burst=5.0,
                                                    group_rate=20.0, group_burst=20.0,
                                                    max_long_poll=1.0))
    root = await emulator.start()
    settings = Settings(
        bot_token=TOKEN,
        database_url=f"sqlite+aiosqlite:///{db_file}",
        bot_api_url=root,
        staff_chat_id=None if options.get("no_staff_group") else STAFF_CHAT_ID,
        admin_ids=[],
        locale="zh",
        area_name=options.get("area_name", ""),
    )
    staff_group = emulator.group(STAFF_CHAT_ID, "家站工作群", admins=STAFF_ADMINS,
                                 is_forum=bool(options.get("forum")))
    clock = FakeClock()
    pacer = PacerLimits(per_second=25.0, private_interval=0.05, group_per_minute=1000)
    e = Env(emulator, settings, settings.database_url, clock, None, staff_group, pacer)  # type: ignore[arg-type]
    await e.start_service()
    try:
        yield e
    finally:
        await e.service.stop()
        await e.db.dispose()
        await emulator.stop()
