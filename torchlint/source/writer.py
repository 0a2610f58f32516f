"""Write a fixed file back atomically, in its own encoding, keeping its mode.

The new content goes to a temporary file in the same directory, which then replaces the original with
``os.replace``: readers see the old file or the new one, never a partial one. Ctrl-C (SIGINT) and SIGTERM
are held back while a file is written, so an interrupted run leaves each file old or new and no temporary
file behind; the interrupt takes effect right after. The file is re-read just before the replace; if it
changed since it was linted, it is not overwritten.
"""

from __future__ import annotations

import os
import signal
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

from torchlint.source.decoding import SourceText


class WriteError(Exception):
    pass


def encode(text: str, source: SourceText) -> bytes:
    """``text`` in the file's encoding; a UTF-8 BOM is kept because ``utf-8-sig`` writes it back."""
    return text.encode(source.encoding)


@contextmanager
def _signals_held() -> Iterator[None]:
    """Defer SIGINT and SIGTERM for the calling thread (where the platform can)."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def write_atomically(path: str, text: str, source: SourceText) -> None:
    data = encode(text, source)
    with _signals_held():
        _write(path, data, source)


def _write(path: str, data: bytes, source: SourceText) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    try:
        mode = os.stat(path).st_mode
        handle, temporary = tempfile.mkstemp(prefix=".torchlint-", suffix=".tmp", dir=directory)
    except OSError as error:
        raise WriteError(f"cannot write: {error.strerror or error}") from None
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode & 0o7777)
        with open(path, "rb") as current:
            if current.read() != source.raw:
                raise WriteError("changed on disk while it was being fixed; not overwritten")
        os.replace(temporary, path)
    except BaseException as error:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        if isinstance(error, OSError):
            raise WriteError(f"cannot write: {error.strerror or error}") from None
        raise
