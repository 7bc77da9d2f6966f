"""A variant's `colorHex` as an albedo."""

from __future__ import annotations

import re

import torch

from render_engine.errors import InvalidRequest

_HEX = re.compile(r"^#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})$")


def parse_color_hex(color_hex: str) -> torch.Tensor:
    """``"#1E3A8A"`` / ``"1e3a8a"`` / ``"#fff"`` -> (3,) float32 RGB in [0, 1].

    Raises `InvalidRequest` (code ``INVALID_COLOR``) for anything else.
    """
    if not isinstance(color_hex, str):
        raise InvalidRequest(
            f"colorHex must be a string, got {type(color_hex).__name__}", code="INVALID_COLOR"
        )
    match = _HEX.match(color_hex.strip())
    if match is None:
        raise InvalidRequest(f"colorHex {color_hex!r} is not #RRGGBB or #RGB", code="INVALID_COLOR")
    digits = match.group(1)
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    rgb = [int(digits[i : i + 2], 16) / 255.0 for i in (0, 2, 4)]
    return torch.tensor(rgb, dtype=torch.float32)
