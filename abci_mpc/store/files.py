"""Private files: the secrets and settings a node keeps beside its store.

One way to write them, so none of them is ever briefly world-readable (umask), written
through a planted symlink, left half-written by a short write, or lost to a crash after
the caller was told it exists.
"""

from __future__ import annotations

import os
from pathlib import Path


def write_private(path: str | os.PathLike[str], data: bytes, *, overwrite: bool = False) -> None:
    """Creates `path` with mode 0600 and `data`, durably. Refuses an existing file
    (FileExistsError) unless `overwrite`; never follows a symlink (OSError)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | (os.O_TRUNC if overwrite else os.O_EXCL)
    fd = os.open(path, flags, 0o600)
    try:
        os.fchmod(fd, 0o600)  # O_CREAT's mode is filtered by the umask; an overwritten file keeps its own
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)
    fsync_dir(Path(path).parent)


def fsync_dir(path: Path) -> None:
    """Makes a file's creation or rename in `path` survive power loss."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
