"""What staff do in the staff group: the one card per suggestion (``card``: rendered from the
ticket's read model, kept up to date in place), its buttons (``triage``), replies to a card
(``replies``), notices of what a resident did (``notices``), saved answers (``templates``), who
is staff (``roles``), forum topics (``topics``), invitations, and the staff group's scheduled
jobs: deadline reminders, the digest, card sync (``jobs``). The actions themselves are the table
in :mod:`dialogs.ticket_actions`."""
