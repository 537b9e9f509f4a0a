"""What a resident does in their private chat: consent and address (``onboarding``), their
station's card and subscriptions (``station``), making a suggestion (``suggest/``), following it
(``tracking``), what we keep and forgetting it (``privacy``), the day-before reminders, and what
they are told when staff or a deputy acts on their ticket (``notices``)."""
