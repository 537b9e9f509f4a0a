"""Formatting like Telegram's: `parse_mode` text becomes plain text plus message entities.

Only what the server accepts is accepted: HTML with Telegram's tag set (an unsupported tag such
as `<br>`, a stray `<`, an unclosed or mismatched tag is "can't parse entities"), MarkdownV2 with
its reserved characters, legacy Markdown. Offsets and lengths are UTF-16 code units, and so is
the length that the 4096-character limit applies to.
"""

from __future__ import annotations

import html
import re
from typing import Any

Entity = dict[str, Any]

_TAG = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>\"']+))?)*)\s*>"
)
_ATTR = re.compile(r"([a-zA-Z-]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>\"']+)))?")
_ENTITY_REF = re.compile(r"&(#[0-9]+|#x[0-9a-fA-F]+|[a-zA-Z]+);")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_SIMPLE_TAGS = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "tg-spoiler": "spoiler", "code": "code", "pre": "pre",
}


class EntityParseError(ValueError):
    """Text that Telegram answers with 400 "can't parse entities"."""


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def parse(text: str, parse_mode: str | None) -> tuple[str, list[Entity]]:
    """Plain text and entities; raises EntityParseError or ValueError (unsupported mode)."""
    mode = (parse_mode or "").lower()
    if not mode:
        return text, []
    if mode == "html":
        return _parse_html(text)
    if mode == "markdownv2":
        return _parse_markdown(text, v2=True)
    if mode == "markdown":
        return _parse_markdown(text, v2=False)
    raise ValueError(f"Bad Request: unsupported parse_mode \"{parse_mode}\"")


def _byte_offset(text: str, pos: int) -> int:
    return len(text[:pos].encode("utf-8"))


class _Output:
    """Plain text being built, its UTF-16 length, and the finished entities."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.entities: list[Entity] = []

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.length += utf16_len(text)

    def close(self, entity: Entity, start: int) -> None:
        if self.length > start:
            entity.update(offset=start, length=self.length - start)
            _merge_pre_code(self.entities, entity)
            self.entities.append(entity)

    def result(self) -> tuple[str, list[Entity]]:
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.parts), self.entities


def _parse_html(source: str) -> tuple[str, list[Entity]]:
    out = _Output()
    stack: list[tuple[str, int, Entity]] = []
    pos = 0
    while pos < len(source):
        if source[pos] == "<":
            pos = _html_tag(source, pos, stack, out)
            continue
        ref = _ENTITY_REF.match(source, pos) if source[pos] == "&" else None
        if ref is not None:
            out.add(_decode_reference(ref.group(1), _byte_offset(source, pos)))
            pos = ref.end()
            continue
        out.add(source[pos])  # a bare ">" or "&" is tolerated, as Telegram does
        pos += 1
    if stack:
        raise EntityParseError(
            f"Bad Request: can't parse entities: Can't find end tag corresponding to start tag "
            f"\"{stack[-1][0]}\""
        )
    return out.result()


def _html_tag(source: str, pos: int, stack: list[tuple[str, int, Entity]], out: _Output) -> int:
    """Handle the tag at `pos`; returns the position after it."""
    at = _byte_offset(source, pos)
    match = _TAG.match(source, pos)
    if match is None:
        raise EntityParseError(
            f"Bad Request: can't parse entities: Unclosed start tag at byte offset {at}")
    closing, name, attrs = match.group(1), match.group(2).lower(), match.group(3)
    if not closing:
        stack.append((name, out.length, _html_entity(name, attrs, at)))
    elif not stack:
        raise EntityParseError(
            f"Bad Request: can't parse entities: Unexpected end tag at byte offset {at}")
    elif stack[-1][0] != name:
        raise EntityParseError(
            f"Bad Request: can't parse entities: Unmatched end tag at byte offset {at}, "
            f"expected \"</{stack[-1][0]}>\", found \"</{name}>\"")
    else:
        _, start, entity = stack.pop()
        out.close(entity, start)
    return match.end()


def _merge_pre_code(entities: list[Entity], entity: Entity) -> None:
    """`<pre><code class="language-x">` is one pre entity with a language, as in Telegram."""
    if entity["type"] != "pre" or not entities:
        return
    inner = entities[-1]
    if inner["type"] == "code" and "language" in inner and (
            inner["offset"], inner["length"]) == (entity["offset"], entity["length"]):
        entities.pop()
        entity["language"] = inner["language"]


def _decode_reference(ref: str, at: int) -> str:
    if ref.startswith("#x"):
        return chr(int(ref[2:], 16))
    if ref.startswith("#"):
        return chr(int(ref[1:]))
    if ref in _NAMED:
        return _NAMED[ref]
    raise EntityParseError(
        f"Bad Request: can't parse entities: Unsupported HTML entity \"&{ref};\" at byte offset {at}"
    )


def _html_entity(name: str, attrs: str, at: int) -> Entity:
    values = {m.group(1).lower(): html.unescape(m.group(2) or m.group(3) or m.group(4) or "")
              for m in _ATTR.finditer(attrs)}
    if name in _SIMPLE_TAGS:
        entity: Entity = {"type": _SIMPLE_TAGS[name]}
        language = values.get("class", "")
        if name == "code" and language.startswith("language-"):
            entity["language"] = language[len("language-") :]
        return entity
    if name == "span" and values.get("class") == "tg-spoiler":
        return {"type": "spoiler"}
    if name == "a" and "href" in values:
        url = values["href"]
        if url.startswith("tg://user?id="):
            return {"type": "text_mention", "user": {"id": int(url.split("=", 1)[1] or 0),
                                                      "is_bot": False, "first_name": "user"}}
        return {"type": "text_link", "url": url}
    if name == "tg-emoji" and "emoji-id" in values:
        return {"type": "custom_emoji", "custom_emoji_id": values["emoji-id"]}
    if name == "blockquote":
        return {"type": "expandable_blockquote" if "expandable" in values else "blockquote"}
    raise EntityParseError(
        f"Bad Request: can't parse entities: Unsupported start tag \"{name}\" at byte offset {at}"
    )


_V2_RESERVED = set("_*[]()~`>#+-=|{}.!")
_V2_MARKERS = {"*": "bold", "_": "italic", "__": "underline", "~": "strikethrough",
               "||": "spoiler"}
_V1_MARKERS = {"*": "bold", "_": "italic"}


_LINK = re.compile(r"\[((?:\\.|[^\]\\])*)\]\(((?:\\.|[^)\\])*)\)")


def _parse_markdown(source: str, *, v2: bool) -> tuple[str, list[Entity]]:
    """Markdown (v2 with reserved characters, or legacy): enough to catch what Telegram refuses."""
    out = _Output()
    open_marks: dict[str, tuple[int, int]] = {}  # marker -> (UTF-16 start, byte offset)
    markers = _V2_MARKERS if v2 else _V1_MARKERS
    pos = 0
    while pos < len(source):
        char = source[pos]
        if char == "\\" and v2 and pos + 1 < len(source):
            out.add(source[pos + 1])
            pos += 2
        elif char == "`":
            pos = _md_code(source, pos, out, v2=v2)
        elif (marker := _md_marker(source, pos, markers, v2=v2)) is not None:
            if marker in open_marks:
                out.close({"type": markers[marker]}, open_marks.pop(marker)[0])
            else:
                open_marks[marker] = (out.length, _byte_offset(source, pos))
            pos += len(marker)
        elif char == "[" and (link := _LINK.match(source, pos)) is not None:
            label = re.sub(r"\\(.)", r"\1", link.group(1)) if v2 else link.group(1)
            start = out.length
            out.add(label)
            out.close({"type": "text_link", "url": link.group(2)}, start)
            pos = link.end()
        elif v2 and char in _V2_RESERVED and not (char == ">" and _line_start(source, pos)):
            raise EntityParseError(
                f"Bad Request: can't parse entities: Character '{char}' is reserved and must be "
                f"escaped with the preceding '\\'")
        else:
            out.add(char)
            pos += 1
    if open_marks:
        at = min(byte for _, byte in open_marks.values())
        raise EntityParseError(f"Bad Request: can't parse entities: Can't find end of the "
                               f"entity starting at byte offset {at}")
    return out.result()


def _md_marker(source: str, pos: int, markers: dict[str, str], *, v2: bool) -> str | None:
    double = next((m for m in ("__", "||") if v2 and source.startswith(m, pos)), None)
    return double or (source[pos] if source[pos] in markers else None)


def _md_code(source: str, pos: int, out: _Output, *, v2: bool) -> int:
    fence = "```" if source.startswith("```", pos) else "`"
    end = source.find(fence, pos + len(fence))
    if end < 0:
        raise _md_unclosed(source, pos, "Pre" if fence == "```" else "Code")
    body = source[pos + len(fence) : end]
    if fence == "```" and "\n" in body:
        body = body.split("\n", 1)[1]
    if v2:
        body = re.sub(r"\\([`\\])", r"\1", body)
    start = out.length
    out.add(body)
    out.close({"type": "pre" if fence == "```" else "code"}, start)
    return end + len(fence)


def _line_start(source: str, pos: int) -> bool:
    return pos == 0 or source[pos - 1] == "\n"


def _md_unclosed(source: str, pos: int, kind: str) -> EntityParseError:
    return EntityParseError(
        f"Bad Request: can't parse entities: Can't find end of {kind} entity at byte offset "
        f"{_byte_offset(source, pos)}"
    )
