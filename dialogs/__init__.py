"""What people see and do in Telegram, grouped by who uses it.

- ``kernel/``: the unit of work around every handler (``unit``), the ``Turn`` a handler works on,
  callback data, keyboards, the error handler, and what the service hands in (``context``).
- ``everyone``: /help, /language, /cancel and the answers to unknown input, for anybody.
- ``resident/``: onboarding, the station card, suggestions, tracking, privacy, reminders.
- ``staff/``: the staff card and its triage actions, replies to cards, templates, roles, topics,
  invitations and the staff's scheduled jobs.
- ``deputy/``: the deputy's inbox and ticket view.
- ``registry``: every flow, in the order its handlers are tried, and every job.

Imports storage, locales, telegram; never bot.
"""
