"""Reading a file to fix and writing it back, losing nothing.

- The text is decoded as Python decodes it (a BOM or a PEP 263 cookie, else UTF-8) and
  written back in the same encoding, with the BOM if it had one. Newlines are never
  translated: the engine edits the text with the file's own line endings.
- The write is atomic: a temporary file in the same directory, flushed to disk, given the
  original's permission bits, then `os.replace`d over the original. A failure at any point
  leaves the original untouched and removes the temporary file. (A hard link to the file
  keeps the old content, as with every editor that saves this way; a symlink is followed
  and its target is replaced.)
- Nothing is written when the bytes would not change, or when the file changed on disk
  since it was read.
"""

from __future__ import annotations

import codecs
import io
import os
import stat
import tempfile
import tokenize
from dataclasses import dataclass
from pathlib import Path

from ..source import SourceDecodeError


class WriteError(Exception):
    pass


@dataclass(frozen=True)
class SourceFile:
    path: Path
    data: bytes  # exactly what was read
    text: str  # decoded, without the BOM
    encoding: str  # a codec name; "utf-8-sig" when the file starts with a BOM

    @classmethod
    def from_bytes(cls, path: Path, data: bytes) -> SourceFile:
        try:
            encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
            text = data.decode(encoding)
        except (SyntaxError, LookupError, UnicodeDecodeError) as error:
            raise SourceDecodeError(f"cannot decode file: {error}") from error
        if text.startswith("\ufeff"):  # a BOM with a `utf-8` cookie: detect_encoding says utf-8-sig
            text = text[1:]
        return cls(path, data, text, encoding)

    @classmethod
    def read(cls, path: Path) -> SourceFile:
        return cls.from_bytes(path, path.read_bytes())

    def encode(self, text: str) -> bytes:
        """`text` in this file's encoding (with its BOM, if it had one)."""
        try:
            return codecs.encode(text, self.encoding)
        except UnicodeEncodeError as error:
            raise WriteError(
                f"the fixed text cannot be written in the file's encoding ({self.encoding}): {error.reason}"
            ) from None


def write_fixed(source: SourceFile, text: str) -> bool:
    """Write `text` over `source.path` atomically. False when nothing needed writing."""
    data = source.encode(text)
    if data == source.data:
        return False
    target = source.path.resolve() if source.path.is_symlink() else source.path
    try:
        current = target.read_bytes()
        mode = stat.S_IMODE(target.stat().st_mode)
    except OSError as error:
        raise WriteError(f"cannot read the file again before writing: {error.strerror or error}") from None
    if current != source.data:
        raise WriteError("the file changed on disk while it was being fixed; it was left as it is")
    if not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        # A rename only needs a writable directory, so a read-only file would be replaced
        # anyway (and root may write anything): read-only means "do not touch" here.
        raise WriteError("the file is read-only; it was left as it is")
    write_atomic(target, data, mode)
    return True


def write_atomic(target: Path, data: bytes, mode: int) -> None:
    """Replace `target` with `data` (and permission bits `mode`) in one rename."""
    try:
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".fastapi-lint")
    except OSError as error:
        raise WriteError(f"cannot create a temporary file next to it: {error.strerror or error}") from None
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException as error:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        if isinstance(error, OSError):
            raise WriteError(f"cannot write: {error.strerror or error}") from None
        raise
