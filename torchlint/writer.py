"""Write a fixed file back atomically, in its own encoding, keeping its mode.

The new content goes to a temporary file in the same directory, which then replaces the original with
``os.replace``: readers see the old file or the new one, never a partial one, also when interrupted. The
file is re-read just before the replace; if it changed since it was linted, it is not overwritten.
"""

from __future__ import annotations

import os
import tempfile

from torchlint.source import SourceText


class WriteError(Exception):
    pass


def encode(text: str, source: SourceText) -> bytes:
    """``text`` in the file's encoding; a UTF-8 BOM is kept because ``utf-8-sig`` writes it back."""
    return text.encode(source.encoding)


def write_atomically(path: str, text: str, source: SourceText) -> None:
    data = encode(text, source)
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
