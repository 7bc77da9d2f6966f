"""The idempotency store on both backends: a new key is claimed in one statement, and every
other state of a key (running, answered, released, abandoned) is decided under a lock."""

from __future__ import annotations

from typing import Any

import pytest

from adapters import idempotency
from adapters.idempotency import KeyInUse, KeyReused, Stored

ANSWER = Stored(201, {"content-type": "application/json"}, b'{"success":true}')


def test_a_new_key_runs_and_a_retry_while_it_runs_is_told_so(container: Any) -> None:
    keys = container.idempotency
    assert keys.claim("user:a", "k1", "body-1") is None
    with pytest.raises(KeyInUse):
        keys.claim("user:a", "k1", "body-1")
    with pytest.raises(KeyReused):
        keys.claim("user:a", "k1", "another body")


def test_an_answered_key_replays_its_answer_and_another_owner_has_its_own(
        container: Any) -> None:
    keys = container.idempotency
    assert keys.claim("user:a", "k1", "body-1") is None
    keys.complete("user:a", "k1", ANSWER)
    assert keys.claim("user:a", "k1", "body-1") == ANSWER
    assert keys.claim("user:b", "k1", "body-1") is None


def test_a_released_key_runs_again_and_an_answer_is_never_released(container: Any) -> None:
    keys = container.idempotency
    assert keys.claim("user:a", "k1", "body-1") is None
    keys.release("user:a", "k1")
    assert keys.claim("user:a", "k1", "body-1") is None
    keys.complete("user:a", "k1", ANSWER)
    keys.release("user:a", "k1")
    assert keys.claim("user:a", "k1", "body-1") == ANSWER


def test_a_claim_abandoned_past_its_lease_is_taken_over(
        container: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    keys = container.idempotency
    assert keys.claim("user:a", "k1", "body-1") is None
    monkeypatch.setattr(idempotency, "LEASE_S", 0.0)  # the process that claimed it died
    assert keys.claim("user:a", "k1", "body-1") is None
    monkeypatch.setattr(idempotency, "LEASE_S", 60.0)
    with pytest.raises(KeyInUse):  # taken over: its lease starts again
        keys.claim("user:a", "k1", "body-1")


def test_expired_keys_are_purged_before_a_claim(
        container: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    keys = container.idempotency
    assert keys.claim("user:a", "old", "body-1") is None
    keys.complete("user:a", "old", ANSWER)
    monkeypatch.setattr(idempotency, "RETENTION_S", -1.0)  # everything stored has expired
    keys._purged = 0.0
    assert keys.claim("user:a", "new", "body-1") is None
    monkeypatch.setattr(idempotency, "RETENTION_S", 24 * 3600)
    assert keys.claim("user:a", "old", "body-1") is None  # its answer is gone: it runs again
