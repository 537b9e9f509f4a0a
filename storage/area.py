"""The service area: the districts a deployment has loaded, and the name residents see for it.

Nothing about the area is written in code or catalogues: one district loaded → its name (密云区);
several → the city's (北京市); a configured display name (``JIAZHAN_AREA_NAME``) wins over both.
The English name is the pinyin of the Chinese one (密云区 → Miyun District, 北京市 → Beijing) unless
``JIAZHAN_AREA_NAME_EN`` says otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .divisions import city_name
from .models import District, Town

__all__ = ["Area", "load_area", "area_of", "english_name"]


@dataclass(frozen=True, slots=True)
class Area:
    districts: tuple[tuple[str, str], ...]  # (code, name) of every loaded district
    name: str  # 密云区, 北京市, or the configured name
    name_en: str

    def display(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name

    @property
    def is_city(self) -> bool:
        return len(self.districts) > 1


def english_name(name: str) -> str:
    """密云区 → Miyun District, 北京市 → Beijing, 溪翁庄镇 → Xiwengzhuang (pinyin, no tones)."""
    from pypinyin import Style, lazy_pinyin

    for suffix, word in (("区", " District"), ("县", " County"), ("市", "")):
        if name.endswith(suffix) and len(name) > len(suffix):
            stem = "".join(lazy_pinyin(name[: -len(suffix)], style=Style.NORMAL))
            return stem.capitalize() + word
    return "".join(lazy_pinyin(name, style=Style.NORMAL)).capitalize() or name


def area_of(districts: Sequence[tuple[str, str]], configured: str = "", configured_en: str = "") -> Area:
    loaded = tuple(sorted(districts))
    if configured:
        name = configured
    elif len(loaded) == 1:
        name = loaded[0][1]
    else:
        name = city_name()
    name_en = configured_en or (configured if configured else english_name(name))
    return Area(loaded, name, name_en)


async def load_area(session: AsyncSession, configured: str = "", configured_en: str = "") -> Area:
    """The districts that have towns in the database, and the area's name."""
    rows = await session.execute(
        select(District.code, District.name)
        .where(District.code.in_(select(Town.district_code).distinct()))
        .order_by(District.code)
    )
    return area_of([(code, name) for code, name in rows], configured, configured_en)
