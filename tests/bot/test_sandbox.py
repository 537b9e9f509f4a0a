"""`jiazhan sandbox` from a pipe: script in, transcript out."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from bot.sandbox import Sandbox
from bot.settings import Settings

SCRIPT = """/start
1
溪翁庄镇金叵罗村
1
/suggest
/as staff
/as deputy 1
/as resident
/help
/quit
"""


def test_sandbox_transcript_from_a_pipe(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIAZHAN_")}
    env["JIAZHAN_LOCALE"] = "zh"
    done = subprocess.run(
        [sys.executable, "-m", "bot", "sandbox"], input=SCRIPT, capture_output=True, text=True,
        timeout=120, env=env, cwd=tmp_path,
    )
    out = done.stdout
    assert done.returncode == 0, done.stderr[-2000:]
    assert out.startswith("# 家站离线沙盒")
    assert "resident> 溪翁庄镇金叵罗村" in out
    assert "📍 金叵罗村（溪翁庄镇）" in out  # the address was routed
    assert "人大代表联络站" in out and "[1]" in out  # the station card with numbered buttons
    assert "第 1 步" in out  # the suggestion dialog started
    assert "# 现在您是工作群里的工作人员。" in out
    assert "# 现在您是代表（编号 1），账号已关联。" in out
    assert "/suggest" in out.split("resident> /help", 1)[1]
    assert "Traceback" not in done.stderr
    assert "Warning" not in out + done.stderr  # no PTB warnings in the transcript


# ---- in process: the sandbox's own commands ---------------------------------------------------

RESIDENT_SCRIPT = ("/start", "1", "溪翁庄镇金叵罗村", "1", "1", "1",
                   "路灯坏了三个月了，晚上出门很危险。", "1", "1", "1", "1", "2", "1")


async def _run_lines(sandbox: Sandbox, lines: tuple[str, ...]) -> str:
    start = sandbox.out.tell()
    for line in lines:
        print(f"{sandbox.who}> {line}", file=sandbox.out)
        assert await sandbox.handle(line)
    sandbox.out.seek(start)
    shown = sandbox.out.read()
    sandbox.out.seek(0, io.SEEK_END)
    return str(shown)


def _sandbox(path: Path) -> Sandbox:
    settings = Settings(database_url=f"sqlite+aiosqlite:///{path}", locale="zh",
                        _env_file=None)  # type: ignore[call-arg]
    return Sandbox(settings, out=io.StringIO())


async def test_sandbox_reply_toasts_deputy_list_and_a_reused_database(tmp_path: Path) -> None:
    sandbox = _sandbox(tmp_path / "sandbox.sqlite3")
    await sandbox.start()
    try:
        shown = await _run_lines(sandbox, RESIDENT_SCRIPT)
        assert "工单号" in shown, shown[-1500:]
        # The staff guide arrives after the card: /reply still answers the card.
        shown = await _run_lines(sandbox, ("/as staff", "/help", "/reply 已联系村委会，本周修复。"))
        after = shown.split("staff> /reply", 1)[1]
        assert "的名义答复工单 2026-000001 的居民" in after, after
        resident_view = sandbox.emulator.user(1001).messages()
        assert "已联系村委会，本周修复。" in resident_view[-1].text
        shown = await _run_lines(sandbox, ("/as resident", "/as deputy"))
        assert "# 演示数据里共有 248 位代表" in shown
        assert "示例代表·余一（区人大代表）" in shown  # serves the resident's station
    finally:
        await sandbox.stop()
    # The same database again: the first inputs are handled, not taken for old updates.
    again = _sandbox(tmp_path / "sandbox.sqlite3")
    await again.start()
    try:
        shown = await _run_lines(again, ("/station",))
        assert "走马庄村人大代表联络站" in shown, shown
        shown = await _run_lines(again, ("2",))  # 🔔 subscribe: the bot answers with a toast
        assert "💬 提示：" in shown or "⚠️ 弹窗：" in shown, shown
    finally:
        await again.stop()
