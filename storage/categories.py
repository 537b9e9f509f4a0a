"""Suggestion categories (分类): the defaults, with names in Chinese and English, and reading
them back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import Category

__all__ = [
    "CategorySpec", "DEFAULT_CATEGORIES", "ensure_categories", "list_categories", "get_category",
    "categories_by_code",
]


@dataclass(frozen=True, slots=True)
class CategorySpec:
    code: str  # ASCII, safe in callback data
    name_zh: str
    name_en: str


DEFAULT_CATEGORIES: tuple[CategorySpec, ...] = (
    CategorySpec("urban", "城乡建设", "Urban and rural development"),
    CategorySpec("environment", "生态环境", "Ecology and environment"),
    CategorySpec("transport", "交通出行", "Transport"),
    CategorySpec("education_health", "教育医疗", "Education and health care"),
    CategorySpec("social_security", "社会保障", "Social security"),
    CategorySpec("rural_revitalisation", "乡村振兴", "Rural revitalisation"),
    CategorySpec("business", "营商环境", "Business environment"),
    CategorySpec("rule_of_law", "法治建设", "Rule of law"),
    CategorySpec("other", "其他", "Other"),
)


async def ensure_categories(session: AsyncSession) -> int:
    """Add the default categories that are missing; returns how many were added.

    Idempotent: existing categories (possibly renamed by the district) are left as they are.
    """
    existing = set(await session.scalars(select(Category.code)))
    added = 0
    for position, spec in enumerate(DEFAULT_CATEGORIES):
        if spec.code in existing:
            continue
        session.add(
            Category(code=spec.code, name_zh=spec.name_zh, name_en=spec.name_en, position=position)
        )
        added += 1
    if added:
        await session.flush()
    return added


async def list_categories(session: AsyncSession) -> Sequence[Category]:
    """The categories a suggestion may have, in the district's order."""
    query = select(Category).order_by(Category.position, Category.code)
    return (await session.scalars(query)).all()


async def get_category(session: AsyncSession, code: str | None) -> Category | None:
    return await session.get(Category, code) if code else None


async def categories_by_code(session: AsyncSession, codes: set[str]) -> dict[str, Category]:
    if not codes:
        return {}
    return {c.code: c for c in await session.scalars(select(Category).where(Category.code.in_(codes)))}
