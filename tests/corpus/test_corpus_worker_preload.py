"""The fork server of a multi-worker corpus build preloads what the stages' workers import: reading parquet
(``pyarrow.dataset``, with pandas) must not be imported again in every worker of every stage."""

import subprocess
import sys

PROBE = """
import importlib, sys
import pyarrow as pa
from glot500.corpus.executors import WORKER_MODULES
for name in WORKER_MODULES:
    importlib.import_module(name)
before = set(sys.modules)
import pyarrow.parquet as pq
pq.write_table(pa.table({"text": ["a", "b"]}), sys.argv[1])
assert pq.read_table(sys.argv[1]).num_rows == 2
print(sorted(name for name in set(sys.modules) - before if name.split(".")[0] in ("pyarrow", "pandas")))
"""


def test_parquet_reading_needs_no_import_beyond_the_preloaded_modules(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(tmp_path / "probe.parquet")], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
