"""The system of record: models, migrations and every rule about how records change.

Never imports telegram, dialogs or bot.
"""

from __future__ import annotations

from .db import Database

__all__ = ["Database"]
