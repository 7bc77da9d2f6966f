"""Image encoding with Pillow: png, jpg, webp, and gif turntables."""

from __future__ import annotations

import io

import numpy as np
import torch
from PIL import Image

from render_engine.errors import InvalidRequest

JPEG_QUALITY = 92
WEBP_QUALITY = 90
GIF_FRAME_MS = 80
GIF_TRANSPARENT_INDEX = 255


def to_uint8(rgba: torch.Tensor) -> np.ndarray:
    """(4, H, W) float in [0, 1] -> (H, W, 4) uint8, rounded."""
    return (rgba.detach().clamp(0, 1) * 255).round().to(torch.uint8).permute(1, 2, 0).cpu().numpy()


def _gif_frame(rgba: np.ndarray, transparent: bool) -> Image.Image:
    """Palette image; with transparency, index 255 marks pixels under half coverage."""
    rgb = Image.fromarray(np.ascontiguousarray(rgba[..., :3]), "RGB")
    frame = rgb.quantize(colors=255, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    if transparent:
        index = np.array(frame)
        index[rgba[..., 3] < 128] = GIF_TRANSPARENT_INDEX
        palette = frame.getpalette() or []
        frame = Image.fromarray(index, "P")
        frame.putpalette(palette[: 3 * 255] + [0, 0, 0])
    return frame


def encode_frames(frames: list[np.ndarray], fmt: str, transparent: bool) -> bytes:
    """Encode (H, W, 4) uint8 frames; all formats but gif take exactly one frame.

    transparent: keep the alpha channel (png, webp, gif); otherwise frames are opaque RGB.
    """
    if not frames:
        raise InvalidRequest("no frames to encode")
    buffer = io.BytesIO()
    if fmt == "gif":
        images = [_gif_frame(f, transparent) for f in frames]
        extra = {"transparency": GIF_TRANSPARENT_INDEX, "disposal": 2} if transparent else {}
        images[0].save(
            buffer,
            format="GIF",
            save_all=True,
            append_images=images[1:],
            duration=GIF_FRAME_MS,
            loop=0,
            **extra,
        )
        return buffer.getvalue()
    if len(frames) != 1:
        raise InvalidRequest(f"format {fmt} holds one frame, got {len(frames)}")
    frame = frames[0]
    image = (
        Image.fromarray(frame, "RGBA")
        if transparent
        else Image.fromarray(np.ascontiguousarray(frame[..., :3]), "RGB")
    )
    if fmt == "png":
        image.save(buffer, format="PNG", compress_level=3)
    elif fmt == "jpg":
        image.convert("RGB").save(buffer, format="JPEG", quality=JPEG_QUALITY)
    elif fmt == "webp":
        image.save(buffer, format="WEBP", quality=WEBP_QUALITY, method=2)
    else:
        raise InvalidRequest(f"unknown image format {fmt!r}", details={"field": "output.format"})
    return buffer.getvalue()
