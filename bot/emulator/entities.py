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


def _parse_html(source: str) -> tuple[str, list[Entity]]:
    out: list[str] = []
    length = 0  # UTF-16 length of `out`
    stack: list[tuple[str, int, Entity]] = []
    entities: list[Entity] = []
    pos = 0
    while pos < len(source):
        char = source[pos]
        if char == "<":
            match = _TAG.match(source, pos)
            if match is None:
                raise EntityParseError(
                    f"Bad Request: can't parse entities: Unclosed start tag at byte offset "
                    f"{_byte_offset(source, pos)}"
                )
            closing, name, attrs = match.group(1), match.group(2).lower(), match.group(3)
            at = _byte_offset(source, pos)
            if closing:
                if not stack or stack[-1][0] != name:
                    raise EntityParseError(
                        f"Bad Request: can't parse entities: Unmatched end tag at byte offset "
                        f"{at}, expected \"</{stack[-1][0]}>\", found \"</{name}>\""
                        if stack
                        else f"Bad Request: can't parse entities: Unexpected end tag at byte "
                        f"offset {at}"
                    )
                _, start, entity = stack.pop()
                if length > start:
                    entity.update(offset=start, length=length - start)
                    _merge_pre_code(entities, entity)
                    entities.append(entity)
            else:
                stack.append((name, length, _html_entity(name, attrs, at)))
            pos = match.end()
            continue
        if char == "&":
            ref = _ENTITY_REF.match(source, pos)
            if ref is not None:
                piece = _decode_reference(ref.group(1), _byte_offset(source, pos))
                out.append(piece)
                length += utf16_len(piece)
                pos = ref.end()
                continue
        if char == ">":
            pass  # Telegram tolerates a bare ">"
        out.append(char)
        length += utf16_len(char)
        pos += 1
    if stack:
        raise EntityParseError(
            f"Bad Request: can't parse entities: Can't find end tag corresponding to start tag "
            f"\"{stack[-1][0]}\""
        )
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


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


def _parse_markdown(source: str, *, v2: bool) -> tuple[str, list[Entity]]:
    """Markdown (v2 with reserved characters, or legacy): enough to catch what Telegram refuses."""
    out: list[str] = []
    length = 0
    open_marks: dict[str, tuple[int, int]] = {}  # marker -> (UTF-16 start, byte offset)
    entities: list[Entity] = []
    markers = _V2_MARKERS if v2 else _V1_MARKERS
    pos = 0
    while pos < len(source):
        char = source[pos]
        if char == "\\" and v2 and pos + 1 < len(source):
            out.append(source[pos + 1])
            length += utf16_len(source[pos + 1])
            pos += 2
            continue
        if char == "`":
            fence = "```" if source.startswith("```", pos) else "`"
            end = source.find(fence, pos + len(fence))
            if end < 0:
                raise _md_unclosed(source, pos, "Pre" if fence == "```" else "Code")
            body = source[pos + len(fence) : end]
            if fence == "```" and "\n" in body:
                body = body.split("\n", 1)[1]
            if v2:
                body = re.sub(r"\\([`\\])", r"\1", body)
            entities.append({"type": "pre" if fence == "```" else "code", "offset": length,
                             "length": utf16_len(body)})
            out.append(body)
            length += utf16_len(body)
            pos = end + len(fence)
            continue
        marker = next((m for m in ("__", "||") if v2 and source.startswith(m, pos)), None)
        marker = marker or (char if char in markers else None)
        if marker is not None:
            if marker in open_marks:
                start, _ = open_marks.pop(marker)
                if length > start:
                    entities.append({"type": markers[marker], "offset": start,
                                     "length": length - start})
            else:
                open_marks[marker] = (length, _byte_offset(source, pos))
            pos += len(marker)
            continue
        if char == "[":
            link = re.compile(r"\[((?:\\.|[^\]\\])*)\]\(((?:\\.|[^)\\])*)\)").match(source, pos)
            if link is not None:
                label = re.sub(r"\\(.)", r"\1", link.group(1)) if v2 else link.group(1)
                entities.append({"type": "text_link", "offset": length,
                                 "length": utf16_len(label), "url": link.group(2)})
                out.append(label)
                length += utf16_len(label)
                pos = link.end()
                continue
        if v2 and char in _V2_RESERVED and not (char == ">" and _line_start(source, pos)):
            raise EntityParseError(
                f"Bad Request: can't parse entities: Character '{char}' is reserved and must be "
                f"escaped with the preceding '\\'"
            )
        out.append(char)
        length += utf16_len(char)
        pos += 1
    if open_marks:
        marker, (_, at) = min(open_marks.items(), key=lambda kv: kv[1][1])
        raise EntityParseError(
            f"Bad Request: can't parse entities: Can't find end of the entity starting at byte "
            f"offset {at}"
        )
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _line_start(source: str, pos: int) -> bool:
    return pos == 0 or source[pos - 1] == "\n"


def _md_unclosed(source: str, pos: int, kind: str) -> EntityParseError:
    return EntityParseError(
        f"Bad Request: can't parse entities: Can't find end of {kind} entity at byte offset "
        f"{_byte_offset(source, pos)}"
    )
