"""Owner-only files: the SQLite database (and its WAL and shared-memory files) is made mode 0600 when a connection
opens it, whatever the process's umask. Uploaded files get 0600 and their folders 0700 from
``FILE_UPLOAD_PERMISSIONS`` and ``FILE_UPLOAD_DIRECTORY_PERMISSIONS`` (config/settings.py).
"""

import os
import stat

OWNER_ONLY_FILE = 0o600
SQLITE_SUFFIXES = ("", "-wal", "-shm", "-journal")


def restrict_sqlite_file(sender, connection, **kwargs) -> None:
    """``connection_created`` receiver: chmod 0600 the database file of a SQLite connection and its side files."""
    if connection.vendor != "sqlite":
        return
    name = str(connection.settings_dict.get("NAME") or "")
    if not name or name == ":memory:" or name.startswith("file:"):
        return
    for suffix in SQLITE_SUFFIXES:
        path = name + suffix
        try:
            mode = stat.S_IMODE(os.stat(path).st_mode)
        except FileNotFoundError:
            continue
        if mode & 0o077:
            os.chmod(path, OWNER_ONLY_FILE)
