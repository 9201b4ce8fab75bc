import sys
from pathlib import Path

# The harness module sits next to the tests.
sys.path.insert(0, str(Path(__file__).parent))

# Fixture projects are code to lint, not tests to run (their own `tests/` trees included).
collect_ignore_glob = ["fixtures/*"]
