"""Regenerate `bot_api_table.json` from the official Bot API description.

The source is the machine-readable Bot API published by PaulSonOfLars/telegram-bot-api-spec
(MIT licence, kept in `../shared/spec/`). The table keeps only what the emulator checks: for each
method its fields (types, required) and return types, and the types reachable from method
parameters (the objects a bot sends: keyboards, entities, input media, commands...).

Usage: `python -m bot.emulator.make_table [SPEC_JSON] [LICENSE]`
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

DEFAULT_SPEC = Path(__file__).resolve().parents[3] / "shared" / "spec" / "telegram-bot-api.json"
TABLE_PATH = Path(__file__).with_name("bot_api_table.json")


def _fields(entries: list[dict[str, Any]]) -> dict[str, list[Any]]:
    return {f["name"]: [f["types"], bool(f["required"])] for f in entries}


def _type_names(types: list[str]) -> list[str]:
    names = []
    for name in types:
        while name.startswith("Array of "):
            name = name[len("Array of ") :]
        names.append(name)
    return names


def _reachable_types(spec: dict[str, Any]) -> set[str]:
    """Every object type a bot can send: method parameters and, recursively, their fields."""
    all_types = spec["types"]
    todo = [
        name
        for method in spec["methods"].values()
        for field in method.get("fields", [])
        for name in _type_names(field["types"])
    ]
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen or name not in all_types:
            continue
        seen.add(name)
        entry = all_types[name]
        todo.extend(entry.get("subtypes", []))
        for field in entry.get("fields", []):
            todo.extend(_type_names(field["types"]))
    return seen


def build_table(spec: dict[str, Any], license_text: str) -> dict[str, Any]:
    """The compact table written to `bot_api_table.json`."""
    types = {}
    for name in sorted(_reachable_types(spec)):
        entry = spec["types"][name]
        compact: dict[str, Any] = {"fields": _fields(entry.get("fields", []))}
        if entry.get("subtypes"):
            compact["subtypes"] = entry["subtypes"]
        types[name] = compact
    return {
        "version": spec["version"],
        "release_date": spec.get("release_date"),
        "source": "https://github.com/PaulSonOfLars/telegram-bot-api-spec",
        "license": license_text.strip().splitlines()[0] + ", " + license_text.strip().splitlines()[2],
        "methods": {
            name: {"fields": _fields(m.get("fields", [])), "returns": m["returns"]}
            for name, m in sorted(spec["methods"].items())
        },
        "types": types,
    }


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    spec_path = Path(args[0]) if args else DEFAULT_SPEC
    license_path = Path(args[1]) if len(args) > 1 else spec_path.with_name("LICENSE")
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    table = build_table(spec, license_path.read_text(encoding="utf-8"))
    TABLE_PATH.write_text(
        json.dumps(table, ensure_ascii=False, separators=(",", ":"), sort_keys=True) + "\n",
        encoding="utf-8",
    )
    print(f"{TABLE_PATH.name}: {len(table['methods'])} methods, {len(table['types'])} types")
    return 0


if __name__ == "__main__":
    sys.exit(main())
