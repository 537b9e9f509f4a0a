"""Every key and every placeholder exists in every language."""

from __future__ import annotations

from locales import LOCALES, catalogue, pick_locale, placeholders, t


def test_every_key_exists_in_every_locale() -> None:
    keys = {loc: set(catalogue(loc)) for loc in LOCALES}
    reference = keys["zh"]
    for loc, have in keys.items():
        assert have == reference, f"{loc}: missing {reference - have}, extra {have - reference}"


def test_placeholders_match_across_locales() -> None:
    zh = catalogue("zh")
    for loc in LOCALES:
        cat = catalogue(loc)
        for key, text in zh.items():
            assert placeholders(cat[key]) == placeholders(text), f"{loc}:{key}"


def test_no_empty_texts() -> None:
    for loc in LOCALES:
        assert all(v.strip() for v in catalogue(loc).values()), loc


def test_pick_locale_from_telegram_language_code() -> None:
    assert pick_locale("en-US") == "en"
    assert pick_locale("zh-hans") == "zh"
    assert pick_locale("de") == "zh"
    assert pick_locale(None) == "zh"
    assert t("en", "cli.import_refused", count=3).startswith("Import refused: 3")
