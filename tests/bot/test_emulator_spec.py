"""The method table, entity parsing and flood buckets, without a server."""

from __future__ import annotations

import json

import pytest

from bot.emulator import make_table
from bot.emulator.entities import EntityParseError, parse, utf16_len
from bot.emulator.limits import FloodControl, Limits
from bot.emulator.spec import SpecError, load_spec


def test_committed_table_matches_the_official_description() -> None:
    if not make_table.DEFAULT_SPEC.exists():
        pytest.skip("the shared Bot API description is not on this machine")
    spec = json.loads(make_table.DEFAULT_SPEC.read_text(encoding="utf-8"))
    license_text = make_table.DEFAULT_SPEC.with_name("LICENSE").read_text(encoding="utf-8")
    committed = json.loads(make_table.TABLE_PATH.read_text(encoding="utf-8"))
    assert make_table.build_table(spec, license_text) == committed
    assert "MIT" in committed["license"] and len(committed["methods"]) == len(spec["methods"])


def test_form_values_are_decoded_by_the_declared_types() -> None:
    spec = load_spec()
    params, unknown = spec.decode("sendMessage", {
        "chat_id": "-100123", "text": "42", "disable_notification": "true",
        "reply_markup": '{"inline_keyboard": [[{"text": "a", "callback_data": "b"}]]}',
        "colour": "red"}, {})
    assert params["chat_id"] == -100123 and params["text"] == "42"
    assert params["disable_notification"] is True and unknown == ["colour"]
    assert spec.decode("sendMessage", {"chat_id": "@channel", "text": "x"}, {})[0][
        "chat_id"] == "@channel"
    with pytest.raises(SpecError, match="callback_dat"):  # a typo inside a nested object
        spec.decode("sendMessage", {"chat_id": 1, "text": "x", "reply_markup": {
            "inline_keyboard": [[{"text": "a", "callback_dat": "b"}]]}}, {})
    with pytest.raises(SpecError, match="Integer"):
        spec.decode("getUpdates", {"timeout": "0.5"}, {})
    assert spec.method_name("SENDMESSAGE") == "sendMessage" and spec.method_name("nope") is None


def test_html_entities_use_utf16_offsets() -> None:
    text, entities = parse("👍 <b>好</b> <a href='https://x.cn'>链接</a>", "HTML")
    assert text == "👍 好 链接" and utf16_len(text) == 7
    assert entities == [{"type": "bold", "offset": 3, "length": 1},
                        {"type": "text_link", "url": "https://x.cn", "offset": 5, "length": 2}]
    assert parse("<pre><code class=\"language-python\">x</code></pre>", "HTML")[1] == [
        {"type": "pre", "offset": 0, "length": 1, "language": "python"}]
    with pytest.raises(EntityParseError, match="Unsupported HTML entity"):
        parse("&nbsp;", "HTML")
    with pytest.raises(ValueError, match="unsupported parse_mode"):
        parse("x", "BBCode")


def test_markdown_v2_needs_escapes_and_closing_marks() -> None:
    assert parse(r"*粗* \- _斜_", "MarkdownV2")[0] == "粗 - 斜"
    with pytest.raises(EntityParseError, match="Can't find end"):
        parse("*open", "MarkdownV2")
    assert parse("*bold* end.", "Markdown")[0] == "bold end."  # legacy: no reserved chars


def test_buckets_refill_with_the_clock() -> None:
    now = [0.0]
    flood = FloodControl(Limits(private_rate=1.0, private_burst=2), lambda: now[0])
    assert [flood.admit(1, is_group=False) for _ in range(3)] == [0, 0, 1]
    now[0] = 0.5
    assert flood.admit(1, is_group=False) == 1
    now[0] = 1.0
    assert flood.admit(1, is_group=False) == 0
    assert flood.admit(2, is_group=False) == 0  # another chat has its own bucket
    unlimited = FloodControl(Limits.unlimited(), lambda: 0.0)
    assert all(unlimited.admit(1, is_group=True) == 0 for _ in range(1000))
