"""Where to find a font with Chinese glyphs, for pictures the project draws (sign-in posters,
charts). One place, so every renderer uses the same font.

The font comes with the project's dependencies: the ``noto-cjk-sans-otc`` package carries Google's
Noto Sans CJK collection (SIL Open Font License) as package data, so ``pip install -e .`` is
enough. A system copy (Debian's ``fonts-noto-cjk``, WenQuanYi) is used when the package is absent.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module
from pathlib import Path

__all__ = ["FontMissing", "SC_FACE", "cjk_font_path", "cjk_font_face"]

# Face index of Simplified Chinese in the Noto Sans CJK collection (JP 0, KR 1, SC 2, TC 3, HK 4).
SC_FACE = 2
_SYSTEM = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", SC_FACE),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", SC_FACE),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
)


class FontMissing(RuntimeError):
    """No font with Chinese glyphs is installed."""


@cache
def cjk_font_face() -> tuple[Path, int]:
    """(path, face index) of a font that draws Simplified Chinese."""
    try:
        bundled = Path(str(import_module("noto_cjk_sans_otc").FONT_PATH))
    except (ImportError, AttributeError):
        bundled = None
    if bundled is not None and bundled.is_file():
        return bundled, SC_FACE
    for path, face in _SYSTEM:
        if Path(path).is_file():
            return Path(path), face
    raise FontMissing("no CJK font: pip install noto-cjk-sans-otc (or apt-get install fonts-noto-cjk)")


def cjk_font_path() -> Path:
    """The font file alone (e.g. for matplotlib's ``FontProperties(fname=…)``)."""
    return cjk_font_face()[0]
