"""The command benchmark runs end to end on PostgreSQL in its quick mode and prints its table."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import POSTGRES_URL, postgres_available

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture(scope="module")
def quick_run() -> subprocess.CompletedProcess[str]:
    if not postgres_available():
        if os.environ.get("TRYON_REQUIRE_POSTGRES"):
            pytest.fail("PostgreSQL is required (TRYON_REQUIRE_POSTGRES) but not reachable")
        pytest.skip("PostgreSQL is not reachable")
    before = commands_section()
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "commands.py"), "--quick",
         "--database-url", POSTGRES_URL],
        cwd=ROOT, capture_output=True, text=True, timeout=400)
    assert commands_section() == before, "a quick run must not write docs/benchmarks.md"
    return result


def commands_section() -> str | None:
    """This benchmark's section of docs/benchmarks.md (other benchmarks write the rest)."""
    docs = ROOT / "docs" / "benchmarks.md"
    text = docs.read_text() if docs.exists() else ""
    start, end = text.find("<!-- commands:start -->"), text.find("<!-- commands:end -->")
    return text[start:end] if 0 <= start < end else None


def test_the_quick_benchmark_prints_a_row_per_command_concurrency_and_path(
        quick_run: subprocess.CompletedProcess[str]) -> None:
    assert quick_run.returncode == 0, quick_run.stdout + quick_run.stderr
    rows = [line for line in quick_run.stdout.splitlines()
            if line.startswith("| ") and not line.startswith("| command")]
    cells = {tuple(part.strip() for part in row.strip("|").split("|")[:3]) for row in rows}
    assert cells == {(command, clients, path)
                     for command in ("register", "add-to-cart", "place-order", "checkout")
                     for clients in ("1", "8", "32") for path in ("http", "http-2p", "direct")}


def test_the_quick_benchmark_reports_throughput_and_a_ratio_at_every_concurrency(
        quick_run: subprocess.CompletedProcess[str]) -> None:
    rows = [[part.strip() for part in line.strip("|").split("|")]
            for line in quick_run.stdout.splitlines()
            if line.startswith("| ") and not line.startswith("| command")]
    assert rows, quick_run.stdout + quick_run.stderr
    for command, clients, path, ops, p50, p99, errors, ratio in rows:
        assert float(ops.replace(",", "")) > 0, (command, clients, path)
        assert 0 < float(p50) <= float(p99), (command, clients, path)
        assert errors == "0", (command, clients, path)
        assert ratio.endswith("x slower") if path.startswith("http") else ratio == ""
    assert "Target: HTTP within 2x of direct at 32 clients" in quick_run.stdout
