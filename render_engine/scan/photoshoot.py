"""Synthetic scan photos of known bodies, taken by any camera in any room: the test and
benchmark generator (nothing here is used by the scan itself).

A `Shot` places a phone: distance to the person, lens height, vertical field of view, aspect,
pitch (down positive) and roll, and a lateral offset. The body (anny, optionally posed with
the arms down) is flat shaded with tight clothing of a colour, skin of a tone, in front of a
background: a plain wall, a gradient, or a furnished room (patterned wallpaper, wooden floor
planks, a door, a sofa, a picture, a plant). Photos are JPEG files, with
`FocalLengthIn35mmFilm` in their EXIF when `Shot.exif` is set.

Projection: the camera model of `camera` (x right, y down, z forward, pinhole at the
photo's centre); pixels go to PyTorch3D's NDC and are rasterized through an identity
orthographic camera (z is the depth).
"""

from __future__ import annotations

import io
import math
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch

from render_engine.scan.protocol import POSE_YAW_DEG, yaw_matrix

if TYPE_CHECKING:
    from render_engine.body.fitted import FittedBody

SKIN_TONES = {  # Fitzpatrick-like range, light to dark (sRGB 0..1)
    "light": (0.94, 0.80, 0.70), "medium_light": (0.85, 0.66, 0.52),
    "medium": (0.72, 0.52, 0.38), "medium_dark": (0.52, 0.36, 0.25),
    "dark": (0.33, 0.22, 0.16),
}
CLOTHING = {
    "black": (0.08, 0.08, 0.09), "white": (0.92, 0.92, 0.90), "navy": (0.12, 0.16, 0.35),
    "red": (0.70, 0.12, 0.12), "grey": (0.50, 0.50, 0.52), "olive": (0.40, 0.42, 0.22),
}
BACKGROUNDS = ("plain", "gradient", "room")


@dataclass(frozen=True)
class Shot:
    distance_m: float = 2.5
    lens_height_m: float = 1.0
    vfov_deg: float = 60.0
    aspect: float = 3 / 4  # width / height
    pitch_deg: float = 0.0
    roll_deg: float = 0.0
    offset_m: float = 0.0  # the person's place right of the optical axis
    rows: int = 640
    background: str = "plain"
    exif: bool = True

    @property
    def size(self) -> tuple[int, int]:
        return self.rows, int(round(self.rows * self.aspect))

    @property
    def focal_px(self) -> float:
        return (self.rows / 2) / math.tan(math.radians(self.vfov_deg) / 2)

    @property
    def focal_35mm(self) -> float:
        h, w = self.size
        return self.focal_px * math.hypot(36.0, 24.0) / math.hypot(w, h)


def camera_pixels(points: torch.Tensor, shot: Shot) -> torch.Tensor:
    """(V, 3) world points (person's axis at x = z = 0, floor y = 0, facing +Z) -> (V, 3):
    pixel x, y (edge-based: 0 is the photo's left/top edge) and depth (m)."""
    from render_engine.scan.camera import _rotation

    h, w = shot.size
    rel = points.to(torch.float64) - torch.tensor(
        [-shot.offset_m, shot.lens_height_m, shot.distance_m], dtype=torch.float64
    )
    level = torch.stack([rel[:, 0], -rel[:, 1], -rel[:, 2]], dim=1)  # x right, y down, z fwd
    rotation = torch.from_numpy(
        _rotation(math.radians(shot.pitch_deg), math.radians(shot.roll_deg))
    )
    cam = level @ rotation  # photo camera coordinates: rotation.T @ each point
    f = shot.focal_px
    z = cam[:, 2].clamp_min(1e-6)
    return torch.stack([w / 2 + f * cam[:, 0] / z, h / 2 + f * cam[:, 1] / z, z], dim=1)


def _background(shot: Shot, rng: random.Random) -> np.ndarray:
    """(H, W, 3) float background."""
    h, w = shot.size
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    if shot.background == "plain":
        colour = np.array([rng.uniform(0.6, 0.95)] * 3) * np.array([1.0, 0.98, 0.95])
        return np.broadcast_to(colour, (h, w, 3)).copy()
    if shot.background == "gradient":
        a = np.array([rng.uniform(0.3, 0.9) for _ in range(3)])
        b = np.array([rng.uniform(0.3, 0.9) for _ in range(3)])
        t = ((yy / h) * 0.7 + (xx / w) * 0.3)[..., None]
        return np.asarray(a * (1 - t) + b * t)
    # a furnished room: the floor line where a floor 3 m behind the person meets the wall
    horizon = h / 2 + shot.focal_px * math.tan(math.radians(shot.pitch_deg))
    floor_row = int(horizon + shot.focal_px * shot.lens_height_m / (shot.distance_m + 3.0))
    wall = np.array([rng.uniform(0.55, 0.85), rng.uniform(0.5, 0.8), rng.uniform(0.45, 0.75)])
    stripe = 0.06 * (np.sin(xx / max(4, w / 40) * math.pi) > 0.3)[..., None]
    dots = 0.05 * ((np.sin(xx / 7.0) * np.sin(yy / 7.0)) > 0.8)[..., None]
    image = wall * (1 - stripe - dots)
    wood = np.array([0.55, 0.36, 0.2])
    planks = 0.12 * np.sin(yy / 3.0 + 5 * np.sin(xx / 53.0))[..., None]
    seams = ((xx + 37 * (yy // 25)) % max(20, w // 6) < 2)[..., None] * 0.25
    floor = wood * (1 + planks - seams)
    image = np.where((yy >= floor_row)[..., None], floor, image)

    def box(x0: float, y0: float, x1: float, y1: float, colour: np.ndarray) -> None:
        xs0, xs1 = int(max(0, x0)), int(min(w, x1))
        ys0, ys1 = int(max(0, y0)), int(min(h, y1))
        if xs1 > xs0 and ys1 > ys0:
            image[ys0:ys1, xs0:xs1] = colour

    scale = shot.focal_px / (shot.distance_m + 3.0)  # pixels per metre on the back wall
    door_x = rng.uniform(0.0, 0.3) * w
    box(door_x, floor_row - 2.0 * scale, door_x + 0.85 * scale, floor_row,
        np.array([0.85, 0.82, 0.75]))
    box(door_x + 0.7 * scale, floor_row - 1.0 * scale, door_x + 0.76 * scale,
        floor_row - 0.95 * scale, np.array([0.7, 0.6, 0.2]))
    sofa_x = rng.uniform(0.55, 0.85) * w
    sofa = np.array([rng.uniform(0.2, 0.6), rng.uniform(0.2, 0.5), rng.uniform(0.2, 0.6)])
    box(sofa_x - 1.0 * scale, floor_row - 0.8 * scale, sofa_x + 1.0 * scale, floor_row, sofa)
    box(sofa_x - 1.1 * scale, floor_row - 0.55 * scale, sofa_x + 1.1 * scale, floor_row,
        sofa * 0.8)
    box(sofa_x - 0.5 * scale, floor_row - 1.8 * scale, sofa_x + 0.3 * scale,
        floor_row - 1.2 * scale, np.array([0.2, 0.35, 0.55]))
    plant_x = rng.uniform(0.35, 0.65) * w
    box(plant_x - 0.15 * scale, floor_row - 0.4 * scale, plant_x + 0.15 * scale, floor_row,
        np.array([0.6, 0.3, 0.2]))
    box(plant_x - 0.3 * scale, floor_row - 1.1 * scale, plant_x + 0.3 * scale,
        floor_row - 0.4 * scale, np.array([0.15, 0.45, 0.2]))
    return np.asarray(image)


def take_photo(
    verts: torch.Tensor,
    faces: torch.Tensor,
    colors: torch.Tensor,
    pose: str,
    shot: Shot,
    seed: int = 0,
    yaw_deg: float | None = None,
) -> np.ndarray:
    """(V, 3) body standing on y = 0 (rest orientation), (F, 3) faces, (V, 3) colours, the
    pose's turn (or `yaw_deg`) and a `Shot` -> (H, W, 3) uint8 photo."""
    from pytorch3d.renderer import FoVOrthographicCameras, RasterizationSettings
    from pytorch3d.structures import Meshes

    from render_engine.raster import TiledMeshRasterizer

    rng = random.Random(seed)
    h, w = shot.size
    yaw = POSE_YAW_DEG[pose] if yaw_deg is None else yaw_deg
    turned = verts.to(torch.float32) @ yaw_matrix(yaw).T  # (V, 3)
    pix = camera_pixels(turned, shot)  # (V, 3)
    s = min(h, w)
    ndc = torch.stack(
        [-(pix[:, 0] - w / 2) * 2 / s, -(pix[:, 1] - h / 2) * 2 / s, pix[:, 2]], dim=1
    ).to(torch.float32)
    cameras = FoVOrthographicCameras(znear=0.1, zfar=20.0)
    settings = RasterizationSettings(image_size=(h, w), blur_radius=0.0, faces_per_pixel=1,
                                     bin_size=0, perspective_correct=False)
    mesh = Meshes(verts=[ndc], faces=[faces])
    with torch.no_grad():
        fragments = TiledMeshRasterizer(cameras=cameras, raster_settings=settings)(mesh)
        world = Meshes(verts=[turned], faces=[faces])
        normals = world.faces_normals_packed()  # (F, 3)
        light = torch.nn.functional.normalize(torch.tensor([0.4, 0.6, 1.0]), dim=0)
        shade = 0.35 + 0.65 * (normals @ light).clamp_min(0.0)  # (F,)
        face_colors = colors[faces].mean(dim=1)  # (F, 3)
        p2f = fragments.pix_to_face[0, ..., 0]  # (H, W)
        lit = face_colors[p2f.clamp_min(0)] * shade[p2f.clamp_min(0)][..., None]
    background = torch.from_numpy(_background(shot, rng)).to(torch.float32)
    image = torch.where((p2f >= 0)[..., None], lit, background)
    return (image.clamp(0, 1) * 255 + 0.5).to(torch.uint8).numpy()


def jpeg_bytes(rgb: np.ndarray, shot: Shot, quality: int = 92) -> bytes:
    """(H, W, 3) uint8 -> JPEG bytes, with `FocalLengthIn35mmFilm` when `shot.exif`."""
    from PIL import Image

    img = Image.fromarray(rgb)
    exif = Image.Exif()
    if shot.exif:
        exif.get_ifd(0x8769)[0xA405] = int(round(shot.focal_35mm))
    buffer = io.BytesIO()
    img.save(buffer, format="JPEG", quality=quality, exif=exif.tobytes())
    return buffer.getvalue()


def dressed_colors(body: FittedBody, skin: str, clothing: str) -> torch.Tensor:
    """(V, 3) colours: skin of tone `skin`, a tight top and leggings of `clothing`."""
    from render_engine.body.regions import BodyRegion

    labels = body.mesh.labels
    assert labels is not None  # anny's bodies carry their regions
    colours = torch.tensor(SKIN_TONES[skin], dtype=torch.float32).expand(len(labels), 3).clone()
    worn = (labels == int(BodyRegion.TORSO)) | (labels == int(BodyRegion.HIPS)) | (
        labels == int(BodyRegion.LEGS)
    )
    colours[worn] = torch.tensor(CLOTHING[clothing], dtype=torch.float32)
    return colours


def mp4_bytes(frames: list[np.ndarray], fps: int = 4, turn_deg: int = 0) -> bytes:
    """(H, W, 3) uint8 frames (even sizes) -> an MPEG-4 video in an MP4 container (PyAV).

    ``turn_deg`` (0, 90, 180 or 270) records the frames as a phone held sideways does: each
    stored turned ``turn_deg`` degrees counter-clockwise, with the track's display matrix
    (``tkhd``) saying to turn it back clockwise for display."""
    import av

    k = {0: 0, 90: 1, 180: 2, 270: 3}[turn_deg]
    frames = [np.ascontiguousarray(np.rot90(f, k)) for f in frames]
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="mp4") as container:
        stream = container.add_stream("mpeg4", rate=fps)
        stream.height, stream.width = frames[0].shape[:2]
        stream.pix_fmt = "yuv420p"
        stream.bit_rate = 4_000_000
        for rgb in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    data = buffer.getvalue()
    return data if k == 0 else _with_display_turn(data, -90 * k)


def _with_display_turn(mp4: bytes, degrees: int) -> bytes:
    """``mp4`` with its video track's display matrix set to turn ``degrees`` counter-clockwise
    (negative: clockwise), the matrix an iPhone writes for a portrait video (-90)."""
    import math
    import struct

    one, w = 0x10000, 0x40000000
    cos, sin = round(math.cos(math.radians(degrees))), round(math.sin(math.radians(degrees)))
    # ISO 14496-12 matrix {a, b, u, c, d, v, x, y, w}: a point (p, q) shows at (a p + c q,
    # b p + d q); a counter-clockwise turn by theta in image coordinates (y down) is
    # a = cos, b = -sin, c = sin, d = cos.
    matrix = struct.pack(">9i", cos * one, -sin * one, 0, sin * one, cos * one, 0, 0, 0, w)
    identity = struct.pack(">9i", one, 0, 0, 0, one, 0, 0, 0, w)
    at = mp4.index(identity, mp4.index(b"tkhd"))
    return mp4[:at] + matrix + mp4[at + len(identity):]
