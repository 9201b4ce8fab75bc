"""A progress bar on stderr for long `fastapi-lint check` runs, on a terminal only.

Shown when stderr is a terminal (not a file, a pipe or a CI log: not when the `CI`
environment variable is set, as every CI service sets it, nor on a `TERM=dumb` terminal),
without `--quiet` or `--silent`, and for at least `PROGRESS_MIN_FILES` files. It is one
line, redrawn in place (`\\r`), and erased before anything else is printed, so the report
on stdout and the rest of stderr read as they would without it.
"""

from __future__ import annotations

import os
import shutil
import time
from typing import TextIO

# Below this many files a run is over before a bar would tell anything.
PROGRESS_MIN_FILES = 50
# Redraw at most this often (seconds): a redraw per file would cost more than the file.
_REDRAW_EVERY = 0.05


def wanted(stream: TextIO, files: int, *, quiet: bool) -> bool:
    if quiet or files < PROGRESS_MIN_FILES:
        return False
    if os.environ.get("CI", "").strip().lower() not in ("", "0", "false"):
        return False
    if os.environ.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # closed or not a real stream
        return False


class ProgressBar:
    """`Checking [#########.........]  412/865 files` on one line of `stream`."""

    def __init__(self, stream: TextIO, total: int, label: str = "Checking") -> None:
        self.stream = stream
        self.total = total
        self.label = label
        self.done = 0
        self._drawn_at = 0.0
        self._visible = False

    def status(self, text: str) -> None:
        """A line of text in the bar's place (a phase with no count, like reading the project)."""
        self._draw(text)

    def advance(self, count: int = 1) -> None:
        self.done = min(self.total, self.done + count)
        now = time.monotonic()
        if self.done == self.total or now - self._drawn_at >= _REDRAW_EVERY:
            self._drawn_at = now
            self._draw(self._bar())

    def _bar(self) -> str:
        counter = f" {self.done:>{len(str(self.total))}}/{self.total} files"
        width = shutil.get_terminal_size((80, 24)).columns - 1
        room = max(10, min(40, width - len(self.label) - len(counter) - 3))
        filled = room * self.done // self.total if self.total else room
        return f"{self.label} [{'#' * filled}{'.' * (room - filled)}]{counter}"

    def _draw(self, text: str) -> None:
        width = shutil.get_terminal_size((80, 24)).columns - 1
        self.stream.write("\r" + text[:width] + "\x1b[K")
        self.stream.flush()
        self._visible = True

    def close(self) -> None:
        """Erase the bar's line."""
        if self._visible:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._visible = False
