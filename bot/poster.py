"""Sign-in posters (A5 portrait PNG): a title in Chinese, the place and time, a QR code of a
``t.me/<bot>?start=…`` link (segno), the link spelled out, and how to use it. Pillow draws, with
the CJK font from ``storage.fonts``."""

from __future__ import annotations

import io
from collections.abc import Sequence

import segno
from PIL import Image, ImageDraw, ImageFont

from storage.fonts import cjk_font_face

__all__ = ["render_poster", "SIZE"]

SIZE = (1240, 1754)  # A5 at 212 dpi; prints sharp on A4 too
_MARGIN = 90
_RED = (178, 34, 34)
_INK = (30, 30, 30)
_GREY = (110, 110, 110)


def _font(size: int) -> ImageFont.FreeTypeFont:
    path, face = cjk_font_face()
    return ImageFont.truetype(str(path), size=size, index=face)


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: int
          ) -> list[str]:
    """Break Chinese (and other) text into lines no wider than ``width`` pixels."""
    lines, current = [], ""
    for char in text:
        if char == "\n" or draw.textlength(current + char, font=font) > width:
            lines.append(current)
            current = "" if char == "\n" else char
        else:
            current += char
    return [*lines, current] if current else lines


def _centered(draw: ImageDraw.ImageDraw, y: int, lines: Sequence[str],
              font: ImageFont.FreeTypeFont, fill: tuple[int, int, int], gap: int = 14) -> int:
    for line in lines:
        box = draw.textbbox((0, 0), line, font=font)
        draw.text(((SIZE[0] - (box[2] - box[0])) // 2, y), line, font=font, fill=fill)
        y += int(box[3] - box[1]) + gap
    return y


def _qr(link: str, side: int) -> Image.Image:
    buffer = io.BytesIO()
    segno.make(link, error="m", micro=False).save(buffer, kind="png", scale=10, border=2)
    buffer.seek(0)
    return Image.open(buffer).convert("RGB").resize((side, side), Image.Resampling.NEAREST)


def render_poster(title: str, lines: Sequence[str], link: str, footer: str) -> bytes:
    """The poster as PNG bytes."""
    image = Image.new("RGB", SIZE, "white")
    draw = ImageDraw.Draw(image)
    width = SIZE[0] - 2 * _MARGIN
    draw.rectangle((0, 0, SIZE[0], 36), fill=_RED)
    y = _centered(draw, 110, _wrap(draw, title, _font(96), width), _font(96), _RED)
    body = _font(48)
    for line in lines:
        y = _centered(draw, y + 18, _wrap(draw, line, body, width), body, _INK)
    side = min(720, SIZE[1] - y - 330)
    image.paste(_qr(link, side), ((SIZE[0] - side) // 2, y + 40))
    y += 40 + side + 30
    small = _font(30)
    y = _centered(draw, y, _wrap(draw, link, small, width), small, _GREY)
    note = _font(40)
    _centered(draw, y + 30, _wrap(draw, footer, note, width), note, _INK)
    draw.rectangle((0, SIZE[1] - 36, SIZE[0], SIZE[1]), fill=_RED)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
