"""/suggest: the dialog's buttons (``dialog``), its steps and draft (``steps``), what the resident
sends while writing (``content``), the checks before it starts (``gate``) and sending it
(``confirm``)."""
