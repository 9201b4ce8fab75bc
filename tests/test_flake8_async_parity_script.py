"""scripts/flake8_async_parity.py on a tiny eval file written here (never flake8-async's own)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "flake8_async_parity.py"
spec = importlib.util.spec_from_file_location("flake8_async_parity", SCRIPT)
parity = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = parity  # dataclasses look their module up
spec.loader.exec_module(parity)

EVAL_FILE = '''# type: ignore
import time


async def foo():
    time.sleep(1)  # ASYNC251: 4, "trio"
    subprocess.run()  # ASYNC221: 4, 'subprocess.run', "trio"
    os.path.exists("")  # ASYNC240: 4, 'exists', "trio"
    os.path.normpath("")  # ASYNC240: 4, 'normpath', "trio"
    subprocess.Popen()  # ASYNC220: 4, 'subprocess.Popen', "trio"
    time.sleep(1) if x else time.sleep(2)  # ASYNC251: 4, "trio"  # ASYNC251: 28, "trio"
    system()
'''


def test_scores_found_and_expected_per_code_with_the_assumed_imports(tmp_path, capsys):
    evals = tmp_path / "tests" / "eval_files"
    evals.mkdir(parents=True)
    (evals / "async2xx.py").write_text(EVAL_FILE)
    (evals / "async2xx_asyncio.py").write_text(EVAL_FILE)  # a twin: skipped
    assert parity.main([str(tmp_path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["files"] == ["async2xx.py"]
    # `subprocess` is never imported by the file: the script assumes the import, as the suite does.
    assert report["assumed_imports"] == {"async2xx.py": ["import os", "import subprocess"]}
    assert report["per_code"] == {
        # FPI107 (off by default, in the script's FPI10 selection) reports the start.
        "ASYNC220": {"found": 1, "expected": 1},
        "ASYNC221": {"found": 1, "expected": 1},
        # FPI106 (off by default, in the script's FPI10 selection) reports `exists`, a stat;
        # `normpath` only rewrites the string, and stays a miss.
        "ASYNC240": {"found": 1, "expected": 2},
        "ASYNC251": {"found": 3, "expected": 3},
    }
    assert (report["found"], report["expected"]) == (6, 7)
    assert [(m["line"], m["code"]) for m in report["misses"]] == [(9, "ASYNC240")]


def test_no_eval_files_is_an_error(tmp_path):
    assert parity.main([str(tmp_path)]) == 2
