"""Make the fixture helpers importable as ``corpus_fixtures`` from this folder's tests."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
