"""What people see and do in Telegram, grouped by who uses it.

- ``kernel/``: the unit of work around every handler (``unit``), the ``Turn`` a handler works on,
  sending its replies (``replies``), callback data and every flow's prefix, keyboards, the error
  handler, and what the service hands in (``context``).
- ``everyone``: /help, /language, /cancel and the answers to unknown input, for anybody.
- ``edits``: edited messages (never read as new ones), and ``forwarded``: which typed message
  became which answer, so an edit can follow it.
- ``ticket_actions``: the one table of what staff and deputies can do to a ticket, and what
  follows each action; ``ticket_text``: dates, categories and ratings as everybody reads them.
- ``resident/``: onboarding, the station card, suggestions, tracking, privacy, reminders, and
  what a resident is told when their ticket is acted on (``notices``).
- ``staff/``: the staff card and its buttons, replies to cards, notices, templates, roles,
  topics, invitations and the staff's scheduled jobs.
- ``deputy/``: the deputy's inbox and ticket view.
- ``registry``: every flow, in the order its handlers are tried, and every job.

Imports storage, locales, telegram; never bot.
"""
