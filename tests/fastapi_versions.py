"""Other FastAPI versions, each in a virtualenv of its own, for runtime tests that compare them.

A virtualenv is made on first use inside the running environment
(`<sys.prefix>/fastapi-versions/<version>/`), so CI's fresh clone makes it once per run
and a developer's checkout keeps it; tests run their apps there as subprocesses.
"""

from __future__ import annotations

import functools
import json
import subprocess
import sys
from pathlib import Path

VENVS = Path(sys.prefix) / "fastapi-versions"


@functools.lru_cache(maxsize=None)
def python_for(version: str) -> str:
    """The interpreter of a virtualenv with FastAPI `version`.* (and httpx, which
    `TestClient` needs) in it, made when missing; `"installed"`: this one. pip resolves
    the rest (Pydantic 1 for FastAPI before 0.100)."""
    if version == "installed":
        return sys.executable
    venv = VENVS / version
    python = venv / "bin" / "python"
    marker = venv / "ready"  # written last: a half-made venv is made again
    if not marker.exists():
        for command in (
            [sys.executable, "-m", "venv", "--clear", str(venv)],
            [str(python), "-m", "pip", "install", "-q", f"fastapi=={version}.*", "httpx"],
        ):
            made = subprocess.run(command, capture_output=True, text=True, timeout=600)
            assert made.returncode == 0, f"{' '.join(command)} failed:\n{made.stderr}"
        marker.write_text(version)
    return str(python)


def run_probe(version: str, probe: str, tmp_path: Path, *app_sources: str) -> dict:
    """Run `probe` (a script that prints one JSON object) with FastAPI `version`, given the
    paths of modules holding `app_sources` as its arguments."""
    apps = []
    for index, source in enumerate(app_sources):
        apps.append(tmp_path / f"probe_app_{index}.py")
        apps[-1].write_text(source)
    script = tmp_path / "probe.py"
    script.write_text(probe)
    result = subprocess.run(
        [python_for(version), str(script), *map(str, apps)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def site_packages(version: str) -> str:
    """Where the virtualenv of FastAPI `version` keeps its packages."""
    code = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    return subprocess.run([python_for(version), "-c", code], capture_output=True, text=True, check=True).stdout.strip()
