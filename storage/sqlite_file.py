"""The SQLite file one service owns: a lock beside it, and a check that it is still the file.

* ``lock()`` takes an exclusive ``flock`` on ``<database>.lock``: a second service on the same
  file fails at once with ``DatabaseInUse`` (several processes are for PostgreSQL). The
  operating system releases the lock when the process ends, ``kill -9`` included.
* ``intact()`` compares the device and inode of the database path with those seen at ``lock()``:
  a database file deleted or replaced under a running service is noticed (its writes would go to
  a file nobody will ever read again). One ``stat`` call: cheap enough to ask before every batch.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

__all__ = ["DatabaseInUse", "SqliteFileGuard"]


class DatabaseInUse(RuntimeError):
    """Another process holds the database's lock file."""

    def __init__(self, database: Path, lock_file: Path) -> None:
        super().__init__(f"{database} is in use by another process (lock {lock_file})")
        self.database, self.lock_file = database, lock_file


class SqliteFileGuard:
    def __init__(self, database: str | Path) -> None:
        self.path = Path(database).expanduser().resolve()
        self.lock_file = self.path.with_name(self.path.name + ".lock")
        self._fd: int | None = None
        self._identity: tuple[int, int] | None = None

    @property
    def locked(self) -> bool:
        return self._fd is not None

    def lock(self) -> None:
        """Take the lock (idempotent); raises ``DatabaseInUse`` if another process holds it."""
        if self._fd is not None:
            return
        self.lock_file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.lock_file, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise DatabaseInUse(self.path, self.lock_file) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def remember(self) -> None:
        """Note which file the path names now (call once the database file exists)."""
        self._identity = self._stat()

    def intact(self) -> bool:
        """False once the database path is gone or names another file than at ``remember()``."""
        if self._identity is None:
            return True
        return self._stat() == self._identity

    def _stat(self) -> tuple[int, int] | None:
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return st.st_dev, st.st_ino

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
        self._identity = None
