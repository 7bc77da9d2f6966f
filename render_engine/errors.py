"""Typed errors of the render engine.

Every failure the engine reports on purpose is a `RenderEngineError` with a stable `code`
(upper snake case, as in the spec's error objects) and a human-readable message.
"""

from __future__ import annotations


class RenderEngineError(Exception):
    """Base of all errors the render engine raises on purpose."""

    code: str = "RENDER_ENGINE_ERROR"

    def __init__(
        self, message: str, code: str | None = None, details: dict[str, object] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, object] = dict(details or {})
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return self.message


class InvalidRequest(RenderEngineError):
    """The caller asked for something the engine cannot do (bad preset, range, mesh...)."""

    code = "INVALID_REQUEST"


class RenderCancelled(RenderEngineError):
    """The caller cancelled a render between two of its stages."""

    code = "RENDER_CANCELLED"
