"""Updates reach the bot by long polling (offsets, timeouts) and by webhook (secret, retries)."""

from __future__ import annotations

import asyncio
import time

import pytest
import telegram
from aiohttp import web
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import Conflict
from telegram.ext import ApplicationBuilder, CommandHandler, ContextTypes

from bot.emulator import BotApiEmulator, Limits


async def test_long_poll_returns_messages_and_presses_and_offsets_confirm(
        emulator: BotApiEmulator, bot: telegram.Bot) -> None:
    user = emulator.user(1001, "Li")
    await user.send("/start")
    [first] = await bot.get_updates(timeout=1)
    assert first.message.text == "/start" and first.message.entities[0].type == "bot_command"
    assert first.message.from_user.language_code == "zh-hans"
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("提建议", callback_data="suggest")]])
    sent = await bot.send_message(1001, "菜单", reply_markup=markup)
    await user.press("提建议")
    [press] = await bot.get_updates(offset=first.update_id + 1, timeout=1)
    query = press.callback_query
    assert (query.data, query.message.message_id, query.from_user.id) == (
        "suggest", sent.message_id, 1001)
    await bot.answer_callback_query(query.id, text="好的")
    assert user.callback_answers() == [{"text": "好的"}]
    assert await bot.get_updates(offset=press.update_id + 1, timeout=0) == ()
    assert emulator.world.pending == [] and emulator.violations == []


async def test_long_poll_waits_and_wakes_on_a_new_update(emulator: BotApiEmulator,
                                                         bot: telegram.Bot) -> None:
    user = emulator.user(1001)
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == ()
    assert time.monotonic() - started >= 0.9
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    started = time.monotonic()
    await user.send("早上好")
    updates = await poll
    assert updates[0].message.text == "早上好" and time.monotonic() - started < 0.5


async def test_allowed_updates_filters_and_duplicates_are_delivered_again(
        emulator: BotApiEmulator, bot: telegram.Bot) -> None:
    user = emulator.user(1001)
    await user.send("one")  # created before the filter: still delivered, as Telegram does
    [one] = await bot.get_updates(timeout=1, allowed_updates=["callback_query"])
    await user.send("hello")  # a message the bot no longer asks for: never queued
    assert await bot.get_updates(offset=one.update_id + 1, timeout=0,
                                 allowed_updates=[]) == ()  # [] restores the default set
    await user.send("two")
    [two] = await bot.get_updates(offset=one.update_id + 1, timeout=1)
    assert user.duplicate_last_update() == two.update_id
    [again] = await bot.get_updates(offset=two.update_id + 1, timeout=1)
    assert again.update_id == two.update_id and again.message.text == "two"
    assert await bot.get_updates(offset=two.update_id + 1, timeout=0) == ()
    assert one.message.text == "one" and emulator.violations == []


async def test_get_updates_during_a_webhook_is_a_conflict(emulator: BotApiEmulator,
                                                          bot: telegram.Bot) -> None:
    await bot.set_webhook("http://127.0.0.1:9/hook")
    with pytest.raises(Conflict, match="(?i)webhook is active"):
        await bot.get_updates()
    await bot.delete_webhook()
    assert await bot.get_updates(timeout=0) == ()
    assert len(emulator.violations) == 1


async def test_webhook_posts_updates_with_the_secret_and_retries(unused_tcp_port: int) -> None:
    async with BotApiEmulator(limits=Limits(webhook_retry_delay=0.05)) as emulator, \
            telegram.Bot(emulator.token, base_url=emulator.root + "/bot") as bot:
        await _webhook_scenario(emulator, bot, unused_tcp_port)


async def _webhook_scenario(emulator: BotApiEmulator, bot: telegram.Bot, port: int) -> None:
    received: list[tuple[str | None, dict[str, object]]] = []
    answers = [500, 200, 200]

    async def hook(request: web.Request) -> web.Response:
        received.append((request.headers.get("X-Telegram-Bot-Api-Secret-Token"),
                         await request.json()))
        return web.Response(status=answers.pop(0) if answers else 200)

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        await bot.set_webhook(f"http://127.0.0.1:{port}/hook", secret_token="s3cr3t",
                              max_connections=4)
        user = emulator.user(1001)
        await user.send("第一条")
        await user.send("第二条")
        assert await emulator.drained(timeout=5)
        texts = [body["message"]["text"] for _, body in received]  # type: ignore[index]
        assert texts == ["第一条", "第一条", "第二条"]  # the first answer was a 500: retried
        assert {secret for secret, _ in received} == {"s3cr3t"}
        info = await bot.get_webhook_info()
        assert info.pending_update_count == 0 and "500" in (info.last_error_message or "")
    finally:
        await bot.delete_webhook()
        await runner.cleanup()
    assert emulator.violations == []


async def _start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None and update.effective_user is not None
    await update.effective_message.reply_text(f"欢迎 {update.effective_user.first_name}")


async def test_a_ptb_application_answers_start_through_polling(
        emulator: BotApiEmulator) -> None:
    application = (ApplicationBuilder().token(emulator.token)
                   .base_url(emulator.root + "/bot").base_file_url(emulator.root + "/file/bot")
                   .build())
    application.add_handler(CommandHandler("start", _start))
    user = emulator.user(2002, "王")
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0, timeout=1)
        await user.send("/start")
        [reply] = await user.wait_for(1, timeout=5)
        await user.send("/start@jiazhan_test_bot")
        await user.wait_for(1, timeout=5)
        await application.updater.stop()
        await application.stop()
    assert reply.text == "欢迎 王"
    assert await emulator.drained(timeout=1)
    assert emulator.violations == []
