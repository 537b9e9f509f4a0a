"""What a linked deputy does in their private chat: the inbox of tickets assigned to them
(``inbox``) and one ticket as they see it (``ticket``)."""
