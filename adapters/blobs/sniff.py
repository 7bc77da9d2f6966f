"""What a file really is: its first bytes say what it claims to be, and a real decoder must
then agree (Pillow for images, a glTF parser for models, FFmpeg through PyAV for videos).
Never the file's name or declared type, never magic bytes alone.

Images are checked against a pixel limit read from the header before anything is decoded, so
that a small file declaring a huge image (a decompression bomb) is refused without ever being
decoded at full size in the API process. Bytes after the end of an image (an HTML page
appended to a JPEG, a phone's motion-photo trailer) are dropped: only the image is stored.
"""

from __future__ import annotations

import io
import json
import struct
import threading
import warnings
from dataclasses import dataclass

# Full decodes are memory-heavy (up to 4 bytes per pixel): a few at a time per process.
_DECODES = threading.BoundedSemaphore(2)
DEFAULT_MAX_PIXELS = 50_000_000


class Refused(Exception):
    """The content is not what it must be; ``code`` is the ErrorResponse code."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class TooManyPixels(Refused):
    def __init__(self, message: str) -> None:
        super().__init__(400, "VALIDATION_ERROR", message)


@dataclass(frozen=True)
class Verified:
    content_type: str
    data: bytes  # what to store: the input, less anything after the end of an image


def sniff(data: bytes) -> str | None:
    """The type the first bytes claim (a candidate, to be confirmed by ``verify``)."""
    head = data[:16]
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:4] == b"glTF":
        return "model/gltf-binary"
    if head[4:8] == b"ftyp":
        return "video/quicktime" if head[8:10] == b"qt" else "video/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"
    return None


def verify(data: bytes, content_type: str, max_pixels: int = DEFAULT_MAX_PIXELS) -> Verified:
    """Decodes ``data`` as ``content_type`` (what ``sniff`` said); raises ``Refused``."""
    if content_type.startswith("image/"):
        return Verified(content_type, _image(data, content_type, max_pixels))
    if content_type == "model/gltf-binary":
        _glb(data)
        return Verified(content_type, data)
    if content_type.startswith("video/"):
        _video(data, content_type, max_pixels)
        return Verified(content_type, data)
    raise Refused(415, "UNSUPPORTED_MEDIA_TYPE", "The content was not recognised")


def _corrupt(what: str) -> Refused:
    return Refused(415, "UNSUPPORTED_MEDIA_TYPE", f"The {what} is corrupt or truncated")


# -- images -----------------------------------------------------------------------------------
_PIL_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}


def _pixel_limit_message(width: int, height: int, max_pixels: int) -> str:
    return (f"Images may have at most {max_pixels / 1e6:g} megapixels; this one declares "
            f"{width}x{height} ({width * height / 1e6:.1f} megapixels)")


def _image(data: bytes, content_type: str, max_pixels: int) -> bytes:
    from PIL import Image, UnidentifiedImageError

    end = image_end(data, content_type)
    if end is None:
        raise _corrupt("image")
    data = data[:end]
    try:
        with warnings.catch_warnings():
            # The limit below is ours; Pillow's own bomb check must not decide first, except
            # past twice its limit, where it refuses to even open the file (caught below).
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:  # reads the header only
                width, height = img.size
                if img.format != _PIL_FORMATS[content_type]:
                    raise _corrupt("image")
                if width * height > max_pixels:
                    raise TooManyPixels(_pixel_limit_message(width, height, max_pixels))
                if getattr(img, "is_animated", False):
                    raise Refused(415, "UNSUPPORTED_MEDIA_TYPE",
                                  "Animated images are not accepted")
            with _DECODES, Image.open(io.BytesIO(data)) as img:
                img.verify()  # structure and checksums
            with _DECODES, Image.open(io.BytesIO(data)) as img:
                img.load()  # every pixel decodes
    except Image.DecompressionBombError:
        raise TooManyPixels(f"Images may have at most {max_pixels / 1e6:g} megapixels; this "
                            "one declares far more") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, struct.error,
            EOFError):
        raise _corrupt("image") from None
    return data


def image_end(data: bytes, content_type: str) -> int | None:
    """Where the image inside ``data`` ends (its last byte + 1), or None if it never does."""
    try:
        if content_type == "image/png":
            return _png_end(data)
        if content_type == "image/jpeg":
            return _jpeg_end(data)
        if content_type == "image/webp":
            size = struct.unpack_from("<I", data, 4)[0] + 8
            return size + (size & 1) if size <= len(data) else None
    except struct.error:
        return None
    return None


def _png_end(data: bytes) -> int | None:
    pos = 8
    while pos + 12 <= len(data):
        length, kind = struct.unpack_from(">I4s", data, pos)
        pos += 12 + length
        if kind == b"IEND":
            return pos if pos <= len(data) else None
    return None


# Markers without a length: SOI, EOI, RST0-7, TEM.
_STANDALONE = {0xD8, 0xD9, 0x01, *range(0xD0, 0xD8)}


def _jpeg_end(data: bytes) -> int | None:
    """Walks the segments; after each start-of-scan, skips the entropy-coded data (where 0xFF
    is always followed by 0x00 or a restart marker) up to the next marker, until EOI."""
    pos, size = 2, len(data)
    while pos + 1 < size:
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0xD9:
            return pos + 2
        if marker in _STANDALONE:
            pos += 2
            continue
        (length,) = struct.unpack_from(">H", data, pos + 2)
        pos += 2 + length
        if marker == 0xDA:  # start of scan: entropy-coded data follows
            while True:
                pos = data.find(b"\xff", pos)
                if pos < 0 or pos + 1 >= size:
                    return None
                following = data[pos + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7:
                    pos += 2
                    continue
                break
    return None


# -- 3D models --------------------------------------------------------------------------------
_COMPONENTS = {5120: 1, 5121: 1, 5122: 2, 5123: 2, 5125: 4, 5126: 4}
_TYPES = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4, "MAT2": 4, "MAT3": 9, "MAT4": 16}


def _glb(data: bytes) -> None:
    """A binary glTF 2.0: the header's length is the file's, the chunks fill it exactly, the
    JSON chunk is a glTF document (parsed by pygltflib) and every buffer view and accessor
    lies inside the binary chunk."""
    import pygltflib

    bad = _corrupt("3D model")
    if len(data) < 20:
        raise bad
    magic, version, length = struct.unpack_from("<4sII", data, 0)
    if magic != b"glTF" or version != 2 or length != len(data):
        raise bad
    chunks: list[tuple[bytes, bytes]] = []
    pos = 12
    while pos < len(data):
        if pos + 8 > len(data):
            raise bad
        size, kind = struct.unpack_from("<I4s", data, pos)
        if pos + 8 + size > len(data):
            raise bad
        chunks.append((kind, data[pos + 8:pos + 8 + size]))
        pos += 8 + size
    if not chunks or chunks[0][0] != b"JSON" or any(k not in (b"JSON", b"BIN\0")
                                                    for k, _ in chunks):
        raise bad
    try:
        document = json.loads(chunks[0][1].decode("utf-8"))
        if not isinstance(document, dict) or not str(
                document.get("asset", {}).get("version", "")).startswith("2."):
            raise bad
        with warnings.catch_warnings():  # its notes on optional fields left out
            warnings.simplefilter("ignore")
            gltf = pygltflib.GLTF2().from_dict(document)
    except (UnicodeDecodeError, ValueError, TypeError, AttributeError, KeyError):
        raise bad from None
    binary = len(chunks[1][1]) if len(chunks) > 1 else 0
    views = gltf.bufferViews or []
    for view in views:
        if view.buffer != 0 or (view.byteOffset or 0) + view.byteLength > binary:
            raise bad
    for accessor in gltf.accessors or []:
        if accessor.bufferView is None:
            continue
        if not 0 <= accessor.bufferView < len(views) or accessor.componentType not in \
                _COMPONENTS or accessor.type not in _TYPES:
            raise bad
        need = (accessor.byteOffset or 0) + accessor.count * _COMPONENTS[
            accessor.componentType] * _TYPES[accessor.type]
        if need > views[accessor.bufferView].byteLength:
            raise bad


# -- videos -----------------------------------------------------------------------------------
_CONTAINERS = {"video/mp4": "mp4", "video/quicktime": "mov", "video/webm": "webm"}


def _video(data: bytes, content_type: str, max_pixels: int) -> None:
    """Opened by FFmpeg (PyAV) as the container its bytes claim, with a video stream whose
    first frame decodes and whose frame size is within the pixel limit."""
    import av

    try:
        with _DECODES, av.open(io.BytesIO(data), mode="r") as container:
            if _CONTAINERS[content_type] not in container.format.name.split(","):
                raise _corrupt("video")
            if not container.streams.video:
                raise Refused(415, "UNSUPPORTED_MEDIA_TYPE", "The file has no video stream")
            stream = container.streams.video[0]
            width, height = stream.codec_context.width, stream.codec_context.height
            if width * height > max_pixels:
                raise TooManyPixels(_pixel_limit_message(width, height, max_pixels))
            if next(container.decode(stream), None) is None:
                raise _corrupt("video")
    except av.FFmpegError:
        raise _corrupt("video") from None
