"""The throughput benchmark runs in its CI size and prints both figures and their ratio (no timing asserted)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "train_throughput.py"


@pytest.mark.slow
def test_benchmark_ci_mode_prints_both_sides_and_the_ratio():
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--ci", "--threads", "1"], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert re.search(r"HF XLMRobertaForMaskedLM \+ labels \(sdpa\):\s+[\d,]+ tokens/s", done.stdout)
    assert re.search(r"glot500 masked-only objective:\s+[\d,]+ tokens/s", done.stdout)
    assert re.search(r"ratio: \d+\.\d\dx", done.stdout)


@pytest.mark.slow
def test_cpu_attention_benchmark_prints_both_kernels_and_the_ratio():
    script = SCRIPT.with_name("cpu_attention.py")
    done = subprocess.run(
        [sys.executable, str(script), "--ci", "--threads", "1", "--rounds", "1"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert re.search(r"sdpa\s+[\d,]+ tokens/s", done.stdout)
    assert re.search(r"eager\s+[\d,]+ tokens/s", done.stdout)
    assert re.search(r"ratio eager / sdpa: \d+\.\d\dx", done.stdout)
