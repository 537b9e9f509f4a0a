"""The system of record: models, migrations and every rule about how records change.

- ``db``: the engine and units of work (a commit that wrote to the outbox wakes the worker);
  ``models/``: the domain model; ``migrations/``: Alembic revisions.
- ``lifecycle/``: a suggestion's creation and every transition, with who may do what.
- Read models, one per thing people look at: ``ticket_view`` (a ticket with everything around
  it), ``stations`` (station and deputy cards), ``deputies`` (a station's deputies, one query),
  ``digest``, ``stats`` (and ``stats_render``).
- Operations on the rest: ``residents``, ``roles``, ``invites``, ``drafts``, ``categories``,
  ``answer_templates``, ``staff_topics``, ``tickets`` (numbers), ``deadlines`` (date arithmetic)
  and ``deadline_watch`` (which tickets are due), ``card_sync``, ``reminders``,
  ``announcements``, ``calendar``, ``audit``.
- ``outbox``: messages to send after commit; ``processed_updates``: exactly-once updates;
  ``dialog_state``: where each user is in a dialog.
- ``routing/``: addresses to communities and stations; ``divisions``: the official division
  codes; ``transfer/``: import and export; ``demo``: the demo district.

Never imports telegram, dialogs or bot.
"""

from __future__ import annotations

from .db import Database

__all__ = ["Database"]
