"""`jiazhan sandbox` from a pipe: script in, transcript out."""

from __future__ import annotations

import os
import subprocess
import sys

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
