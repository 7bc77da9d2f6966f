"""Processes that start at the same moment on an empty schema (a projector and a dispatcher
launched together) all come up: the schema is created under a lock, once."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import POSTGRES_URL, drop_schema, fresh_schema, postgres_available

ROOT = Path(__file__).resolve().parents[2]
STARTERS = 6

SCRIPT = """
import sys, time
from adapters.bootstrap import bootstrap
from adapters.settings import Settings
start = float(sys.argv[1])
time.sleep(max(0.0, start - time.time()))
bootstrap(Settings()).close()
"""


@pytest.mark.slow
@pytest.mark.postgres
def test_processes_starting_together_on_an_empty_schema_all_come_up(tmp_path: Path) -> None:
    if not postgres_available():
        pytest.skip("PostgreSQL is not reachable")
    schema = fresh_schema()
    try:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "TRYON_DATABASE_URL": POSTGRES_URL,
               "TRYON_DATABASE_SCHEMA": schema, "TRYON_DATA_DIR": str(tmp_path / "data"),
               "TRYON_SECRET_KEY": "s" * 40, "TRYON_PAYMENT_SECRET": "p" * 20,
               "TRYON_LOG_LEVEL": "WARNING"}
        start = time.time() + 6.0  # every process imported and waiting by then
        procs = [subprocess.Popen([sys.executable, "-c", SCRIPT, str(start)], cwd=ROOT, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
                 for _ in range(STARTERS)]
        outputs = [(p.wait(timeout=120), p.stdout.read().decode() if p.stdout else "")
                   for p in procs]
        failed = [out for rc, out in outputs if rc != 0]
        assert not failed, failed[0][-3000:]
    finally:
        drop_schema(schema)
