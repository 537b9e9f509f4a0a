"""Alembic revisions, one linear chain (``0001_initial_schema`` first); upgrading a fresh database
gives exactly the tables of ``storage.models`` (tests/storage/test_migrations.py)."""
