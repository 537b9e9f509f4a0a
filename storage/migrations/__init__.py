"""Alembic migrations of the schema: ``env.py`` runs them on the connection ``Database.upgrade``
hands in (batch mode on SQLite); ``versions/`` holds one revision per change."""
