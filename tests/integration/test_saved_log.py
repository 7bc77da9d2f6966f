"""A shop's log written by the code before issue 16 (tests/data/saved_log, commit c303e08's
format) replays, through the CLI's rebuild, into read models that answer exactly as they did."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import make_settings
from tests.data.saved_log.answers import LIVE_FIELDS, READS, normalise

SAVED = Path(__file__).resolve().parents[1] / "data" / "saved_log"
REPO = SAVED.parents[2]

pytestmark = pytest.mark.slow


@pytest.fixture
def saved_shop(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    for path in (SAVED / "data").glob("*.sqlite"):
        shutil.copy(path, data / path.name)
    return tmp_path


def rebuild_with_the_cli(settings: Any) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO), "TRYON_DATA_DIR": str(settings.data_dir),
           "TRYON_SECRET_KEY": settings.secret_key,
           "TRYON_PAYMENT_SECRET": settings.payment_secret, "TRYON_REPLAY_PROCESSES": "2"}
    done = subprocess.run([sys.executable, "-m", "adapters.cli.main", "projections", "rebuild"],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]


def test_the_saved_log_replays_into_the_same_answers(saved_shop: Path) -> None:
    from fastapi.testclient import TestClient

    from adapters.bootstrap import bootstrap
    from adapters.http.app import create_app
    from domain import ids
    from domain.pricing import estimated_delivery

    settings = make_settings("sqlite", saved_shop)
    rebuild_with_the_cli(settings)
    saved = json.loads((SAVED / "refs.json").read_text())
    expected = json.loads((SAVED / "answers.json").read_text())
    container = bootstrap(settings)
    try:
        with TestClient(create_app(container)) as client:
            headers = {}
            for name, person in saved["people"].items():
                user_id = ids.decode("usr", person["id"])
                assert user_id is not None
                token = container.tokens.issue(user_id, person["email"])
                headers[name] = {"Authorization": f"Bearer {token.access_token}"}
            for name, (who, path) in READS.items():
                answer = normalise(client.get(path.format(**saved["refs"]), headers=headers[who]))
                if name in LIVE_FIELDS:  # computed at read time: today's, not the saved day's
                    field = LIVE_FIELDS[name]
                    live, saved_value = answer["body"]["data"].pop(field), expected[name][
                        "body"]["data"].pop(field)
                    today = estimated_delivery(datetime.now(UTC), "standard")
                    assert live == (None if saved_value is None else today), name
                assert answer == expected[name], name
    finally:
        container.close()
