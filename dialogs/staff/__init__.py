"""What staff do in the staff group: the one card per suggestion (``cards``, ``card_triage``), its
buttons (``triage``) and the actions behind them (``actions``), replies to a card (``replies``),
saved answers (``templates``), who is staff (``roles``), forum topics (``topics``), invitations,
and the staff group's scheduled jobs: deadline reminders, the digest, card sync (``jobs``)."""
