"""Read a Python source file's bytes into text, the way Python itself decodes it (PEP 263, BOM)."""

from __future__ import annotations

import io
import tokenize
from dataclasses import dataclass


class SourceError(Exception):
    """A file that cannot be read or decoded; the message is one line meant for the user."""


@dataclass(frozen=True)
class SourceText:
    text: str
    encoding: str  # as tokenize.detect_encoding names it, e.g. "utf-8", "utf-8-sig", "iso-8859-1"
    raw: bytes


def decode(raw: bytes) -> SourceText:
    """Decode source bytes honouring a coding cookie and a UTF-8 BOM; raise SourceError otherwise."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
    except SyntaxError as error:
        raise SourceError(f"cannot determine the encoding: {error.msg}") from None
    try:
        text = raw.decode(encoding)
    except (UnicodeDecodeError, LookupError) as error:
        raise SourceError(f"cannot decode as {encoding}: {error}") from None
    if "\x00" in text:
        raise SourceError("source contains a NUL byte (binary file?)")
    return SourceText(text=text, encoding=encoding, raw=raw)


def read_bytes(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as error:
        raise SourceError(error.strerror or str(error)) from None


def read(path: str) -> SourceText:
    return decode(read_bytes(path))
