"""A sign-in session decides refresh-token rotation and reuse on its own (RFC 9700)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from domain.sessions import SignInSession, TokenState, session_id_for

EXPIRES = datetime(2027, 1, 1, tzinfo=UTC)


def started(credentials: int = 0) -> SignInSession:
    return SignInSession(id=session_id_for("family"), user_id=uuid.uuid4(), token_id="t1",
                         expires_at=EXPIRES, credentials=credentials)


def test_the_latest_token_of_a_family_is_current_and_an_older_one_is_reused() -> None:
    session = started()
    session.rotate(token_id="t2", expires_at=EXPIRES + timedelta(days=1))
    assert session.state_of("t2", user_credentials=0) is TokenState.CURRENT
    assert session.state_of("t1", user_credentials=0) is TokenState.REUSED


def test_a_revoked_family_accepts_no_token() -> None:
    session = started()
    session.revoke(reason="logout")
    assert session.state_of("t1", user_credentials=0) is TokenState.REVOKED


def test_a_password_change_after_the_start_revokes_the_family() -> None:
    session = started(credentials=3)
    assert session.state_of("t1", user_credentials=3) is TokenState.CURRENT
    assert session.state_of("t1", user_credentials=4) is TokenState.REVOKED


def test_a_family_has_one_session_id() -> None:
    assert session_id_for("a") == session_id_for("a") != session_id_for("b")
