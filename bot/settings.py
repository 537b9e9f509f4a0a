"""Typed settings from the environment (JIAZHAN_*), built once at start-up."""

from __future__ import annotations

from datetime import time
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

__all__ = ["Settings", "DEFAULT_DATABASE_URL", "TELEGRAM_API_URL"]

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///jiazhan.sqlite3"
TELEGRAM_API_URL = "https://api.telegram.org"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="JIAZHAN_", extra="ignore")

    bot_token: SecretStr | None = None
    database_url: str = DEFAULT_DATABASE_URL
    bot_api_url: str = TELEGRAM_API_URL
    staff_chat_id: int | None = None
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    locale: str = "zh"
    timezone: str = "Asia/Shanghai"
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    listen_host: str = "127.0.0.1"
    listen_port: int = 8080
    max_suggestions_per_day: int = 10
    max_suggestion_chars: int = 2000
    first_response_days: int = 3
    resolution_days: int = 15
    digest_time: time = time(8, 30)
    weekly_report: str = "mon 09:00"  # day and local time of each staff group's weekly summary, or off
    log_level: str = "INFO"
    area_name: str = ""  # the name residents see for the service area (default: from the data)
    area_name_en: str = ""
    followup_days: int = Field(default=30, ge=1, le=365)  # 回访 "was it really fixed?"

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return [int(part) for part in value.replace(";", ",").split(",") if part.strip()]
        if isinstance(value, int):
            return [value]
        return value

    @field_validator("weekly_report")
    @classmethod
    def _weekly(cls, value: str) -> str:
        from storage.report_group import parse_weekly

        parse_weekly(value)  # ValueError: pydantic reports it with the setting's name
        return value

    @property
    def weekly_schedule(self) -> tuple[int, time] | None:
        from storage.report_group import parse_weekly

        return parse_weekly(self.weekly_report)

    @field_validator("locale")
    @classmethod
    def _known_locale(cls, value: str) -> str:
        if value not in ("zh", "en"):
            raise ValueError("JIAZHAN_LOCALE must be zh or en")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (e.g. Asia/Shanghai)") from None
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def api_base_url(self) -> str:
        """PTB's base_url: the bot calls {root}/bot{token}/{method}."""
        return self.bot_api_url.rstrip("/") + "/bot"

    @property
    def api_file_url(self) -> str:
        return self.bot_api_url.rstrip("/") + "/file/bot"
