"""Writing fixed files: atomic, and nothing about the file is lost (encoding, BOM, newlines,
permissions), even when the write fails half-way."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest

from fastapi_lint.fixes import writer
from fastapi_lint.fixes.writer import SourceFile, WriteError, write_fixed


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".fastapi-lint"))


def test_latin_1_file_is_written_back_in_latin_1(tmp_path: Path) -> None:
    path = tmp_path / "a.py"
    path.write_bytes("# -*- coding: latin-1 -*-\nname = 'caf\xe9'\n".encode("latin-1"))
    source = SourceFile.read(path)
    assert source.text == "# -*- coding: latin-1 -*-\nname = 'caf\xe9'\n"
    assert write_fixed(source, source.text.replace("name", "label"))
    assert path.read_bytes() == "# -*- coding: latin-1 -*-\nlabel = 'caf\xe9'\n".encode("latin-1")


def test_bom_and_crlf_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "a.py"
    path.write_bytes(b"\xef\xbb\xbfx = 1\r\ny = '\xc3\xa9'\r\n")
    source = SourceFile.read(path)
    assert source.text == "x = 1\r\ny = 'é'\r\n"
    write_fixed(source, source.text.replace("x = 1", "x = 2"))
    assert path.read_bytes() == b"\xef\xbb\xbfx = 2\r\ny = '\xc3\xa9'\r\n"


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o755])
def test_permissions_are_kept(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "a.py"
    path.write_text("x = 1\n")
    path.chmod(mode)
    write_fixed(SourceFile.read(path), "x = 2\n")
    assert stat.S_IMODE(path.stat().st_mode) == mode
    assert path.read_text() == "x = 2\n"


def test_unchanged_content_is_not_written(tmp_path: Path) -> None:
    path = tmp_path / "a.py"
    path.write_text("x = 1\n")
    before = path.stat()
    assert write_fixed(SourceFile.read(path), "x = 1\n") is False
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_symlink_stays_a_symlink_and_its_target_is_fixed(tmp_path: Path) -> None:
    target = tmp_path / "real.py"
    target.write_text("x = 1\n")
    link = tmp_path / "link.py"
    link.symlink_to(target)
    write_fixed(SourceFile.read(link), "x = 2\n")
    assert link.is_symlink()
    assert target.read_text() == "x = 2\n"


def test_text_the_encoding_cannot_hold_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    path = tmp_path / "a.py"
    original = "# -*- coding: latin-1 -*-\nx = 1\n".encode("latin-1")
    path.write_bytes(original)
    with pytest.raises(WriteError, match="encoding"):
        write_fixed(SourceFile.read(path), "# -*- coding: latin-1 -*-\nx = '☃'\n")
    assert path.read_bytes() == original
    assert _leftovers(tmp_path) == []


def test_a_file_changed_on_disk_since_it_was_read_is_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "a.py"
    path.write_text("x = 1\n")
    source = SourceFile.read(path)
    path.write_text("x = 'edited meanwhile'\n")
    with pytest.raises(WriteError, match="changed on disk"):
        write_fixed(source, "x = 2\n")
    assert path.read_text() == "x = 'edited meanwhile'\n"


class _FailingStream:
    """Writes half of what it is given, then fails as a full disk would."""

    def __init__(self, stream, error: BaseException) -> None:
        self.stream, self.error = stream, error

    def write(self, data: bytes) -> int:
        self.stream.write(data[: len(data) // 2])
        self.stream.flush()
        raise self.error

    def __getattr__(self, name):
        return getattr(self.stream, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.stream.close()


@pytest.mark.parametrize("error", [OSError(errno.ENOSPC, "No space left on device"), KeyboardInterrupt()])
def test_a_crash_in_the_middle_of_writing_leaves_the_original_intact_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: BaseException
) -> None:
    path = tmp_path / "app.py"
    original = b"import time\r\n\r\nx = 1\r\n" * 200
    path.write_bytes(original)
    path.chmod(0o644)
    source = SourceFile.read(path)
    real_fdopen = os.fdopen
    partial: list[str] = []

    def failing_fdopen(fd, *args, **kwargs):
        stream = real_fdopen(fd, *args, **kwargs)
        partial.append(stream.name)
        return _FailingStream(stream, error)

    monkeypatch.setattr(writer.os, "fdopen", failing_fdopen)
    with pytest.raises(WriteError if isinstance(error, OSError) else KeyboardInterrupt):
        write_fixed(source, source.text.replace("x = 1", "x = 2"))
    assert path.read_bytes() == original
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert partial and _leftovers(tmp_path) == []


def test_a_failing_rename_leaves_the_original_intact_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "app.py"
    path.write_text("x = 1\n")

    def failing_replace(src, dst):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(writer.os, "replace", failing_replace)
    with pytest.raises(WriteError, match="Permission denied"):
        write_fixed(SourceFile.read(path), "x = 2\n")
    assert path.read_text() == "x = 1\n"
    assert _leftovers(tmp_path) == []


def test_a_read_only_directory_is_reported_not_crashed_on(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root can write anywhere")
    directory = tmp_path / "ro"
    directory.mkdir()
    path = directory / "a.py"
    path.write_text("x = 1\n")
    directory.chmod(0o555)
    try:
        with pytest.raises(WriteError, match="temporary file"):
            write_fixed(SourceFile.read(path), "x = 2\n")
    finally:
        directory.chmod(0o755)
    assert path.read_text() == "x = 1\n"


def test_a_read_only_file_is_left_alone_even_for_root(tmp_path: Path) -> None:
    path = tmp_path / "a.py"
    path.write_text("x = 1\n")
    path.chmod(0o444)
    try:
        with pytest.raises(WriteError, match="read-only"):
            write_fixed(SourceFile.read(path), "x = 2\n")
        assert path.read_text() == "x = 1\n"
        assert stat.S_IMODE(path.stat().st_mode) == 0o444
        assert _leftovers(tmp_path) == []
    finally:
        path.chmod(0o644)
