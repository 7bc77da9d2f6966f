"""The replay benchmark runs end to end in its small mode: it generates a history, reads it raw,
rebuilds every projection with one and with two processes, and prints one row per backend and
process count without touching the docs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import POSTGRES_URL, postgres_available

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def test_a_small_replay_reports_rebuild_and_raw_rates_per_backend() -> None:
    backends = "sqlite,postgres" if postgres_available() else "sqlite"
    docs = ROOT / "docs" / "benchmarks.md"
    before = docs.read_text() if docs.exists() else None
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "replay.py"), "--events", "3000",
         "--backends", backends, "--database-url", POSTGRES_URL],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (docs.read_text() if docs.exists() else None) == before
    rows = [[c.strip() for c in line.strip("|").split("|")]
            for line in result.stdout.splitlines()
            if line.startswith("| ") and not line.startswith("| backend")]
    # One row per backend and process count (1 and 2 by default).
    assert [(r[0], r[4]) for r in rows] == [(b, n) for b in backends.split(",")
                                            for n in ("1", "2")]
    for backend, events, _, raw, _, _, rebuild, ratio in rows:
        assert int(events.replace(",", "")) >= 3000, backend
        assert float(raw.replace(",", "")) > 0 and float(rebuild.replace(",", "")) > 0
        assert float(ratio) > 0
    assert "Target: at least 50,000 events/s on PostgreSQL" in result.stdout
