"""The small kernel every flow stands on: one unit of work per update (``unit``), the ``Turn`` a
handler reads and answers through (``turn``), sending its replies after the commit (``replies``),
callback data that fits in 64 bytes and every flow's prefix (``callbacks``),
keyboard builders (``keyboards``), the one error handler (``errors``), and what the running
service hands in (``context``)."""
