"""`jiazhan run` says what is wrong in one sentence, never a traceback."""

from __future__ import annotations

import pytest

from bot.cli import main


@pytest.fixture
def env_db(monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("JIAZHAN_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'run.sqlite3'}")
    monkeypatch.delenv("JIAZHAN_BOT_TOKEN", raising=False)
    monkeypatch.setenv("JIAZHAN_LOCALE", "en")


def test_missing_token(env_db, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["run"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "No bot token is set: put the token BotFather gave you into JIAZHAN_BOT_TOKEN."


def test_empty_database_is_refused_with_instructions(env_db, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("JIAZHAN_BOT_TOKEN", "123:ABC")
    assert main(["run"]) == 1
    assert "jiazhan demo load" in capsys.readouterr().err


def test_unreachable_api_is_one_sentence(env_db, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("JIAZHAN_BOT_TOKEN", "123:ABC")
    monkeypatch.setenv("JIAZHAN_BOT_API_URL", "http://127.0.0.1:9")  # nothing listens there
    assert main(["run", "--demo"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["Cannot reach the Bot API server at http://127.0.0.1:9: check the network or "
                   "JIAZHAN_BOT_API_URL."]


def test_webhook_needs_a_url(env_db, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("JIAZHAN_BOT_TOKEN", "123:ABC")
    assert main(["run", "--webhook"]) == 2
    assert "JIAZHAN_WEBHOOK_URL" in capsys.readouterr().err


def test_bad_settings_are_named(monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("JIAZHAN_TIMEZONE", "Mars/Olympus")
    assert main(["stats"]) == 2
    assert "JIAZHAN_TIMEZONE" in capsys.readouterr().err


def test_a_busy_port_is_one_sentence(env_db, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    import asyncio
    import socket

    from bot.emulator import BotApiEmulator

    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    port = holder.getsockname()[1]
    emulator = BotApiEmulator("123:ABC")
    loop = asyncio.new_event_loop()
    try:
        root = loop.run_until_complete(emulator.start())
        # the emulator runs on this loop; the CLI runs its own loop in a thread beside it
        import threading

        result: list[int] = []
        monkeypatch.setenv("JIAZHAN_BOT_TOKEN", "123:ABC")
        monkeypatch.setenv("JIAZHAN_BOT_API_URL", root)
        monkeypatch.setenv("JIAZHAN_LISTEN_PORT", str(port))
        worker = threading.Thread(target=lambda: result.append(main(["run", "--demo"])))
        worker.start()
        while worker.is_alive():
            loop.run_until_complete(asyncio.sleep(0.05))
        assert result == [2]
        assert "Cannot listen on 127.0.0.1:" in capsys.readouterr().err
    finally:
        loop.run_until_complete(emulator.stop())
        loop.close()
        holder.close()
