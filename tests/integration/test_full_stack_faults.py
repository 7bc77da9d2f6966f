"""The full stack (API, projector, dispatcher, worker as processes, on a PostgreSQL and a
NATS this test starts itself) under steady load while PostgreSQL and then NATS are stopped:
no 5xx but fast 503s, no hang, no manual restart, every accepted command applied exactly
once, and a rebuild gives the same answers. Short outages here; the issue's 60 s and 20 s
run is ``python -m tests.integration.fullstack_faults`` (docs/resilience.md)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.integration.fullstack_faults import run

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.nats]


def test_the_full_stack_rides_out_postgres_and_nats_outages_under_load(tmp_path: Path) -> None:
    pg_down = float(os.environ.get("TRYON_FAULT_PG_DOWN_S", "8"))
    nats_down = float(os.environ.get("TRYON_FAULT_NATS_DOWN_S", "5"))
    report = run(pg_down, nats_down, tmp_path, steady_s=4.0)
    print(report.table())
    assert not report.problems, "\n".join(report.problems[:20])
    assert report.accepted["cart adds"] > 0 and report.accepted["orders"] > 0
    assert report.accepted["scans"] == 1  # requested while NATS was down, completed once
    down = [a for a in report.answers if a.phase == "postgres down"]
    assert any(a.status == 503 for a in down), "the outage was not felt"
    assert report.recovery_s["after postgres"] is not None
    assert report.recovery_s["after nats"] is not None
