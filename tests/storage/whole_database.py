"""Search every column of every table of a database for strings (tests of /forget)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import inspect, text

from storage import Database


def _spellings(value: Any) -> list[str]:
    """How a cell may show a value: as text, and JSON (stored with \\u escapes) decoded."""
    if isinstance(value, (dict, list)):
        return [json.dumps(value, ensure_ascii=False)]
    shown = str(value)
    out = [shown]
    if shown[:1] in ("{", "["):
        try:
            out.append(json.dumps(json.loads(shown), ensure_ascii=False))
        except ValueError:
            pass
    return out


async def where_found(db: Database, needles: Iterable[str]) -> list[str]:
    """``table.column: needle`` for every cell anywhere in the database containing a needle."""
    wanted = [n for n in needles if n]
    found: list[str] = []
    async with db.engine.connect() as conn:
        tables = await conn.run_sync(lambda c: inspect(c).get_table_names())
        assert len(tables) > 20, tables  # really the whole schema
        for table in tables:
            rows = (await conn.execute(text(f'SELECT * FROM "{table}"'))).mappings().all()
            for row in rows:
                for column, value in row.items():
                    if value is None:
                        continue
                    for shown in _spellings(value):
                        found += [f"{table}.{column}: {n}" for n in wanted if n in shown]
    return sorted(set(found))
