"""Synthetic scan photos of known bodies, taken by any camera in any room: the test and
benchmark generator (nothing here is used by the scan itself).

A `Shot` places a phone: distance to the person, lens height, vertical field of view, aspect,
pitch (down positive) and roll, and a lateral offset. The body (anny, optionally posed with
the arms down) is flat shaded with tight clothing of a colour, skin of a tone, in front of a
background: a plain wall, a gradient, or a furnished room seen in perspective (striped
wallpaper, side walls, a wooden floor of planks, a door, a sofa, a picture, a plant).
Photos are JPEG files, with `FocalLengthIn35mmFilm` in their EXIF when `Shot.exif` is set.

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
    return _room(shot, rng)


def _room(shot: Shot, rng: random.Random) -> np.ndarray:
    """(H, W, 3) float: a furnished room seen through the shot's camera, in perspective (its
    pitch and roll included): a back wall 3 m behind the person with a skirting board, a
    door, a picture and a sofa against it, side walls and a ceiling, a wooden floor of planks
    running towards the camera. Each pixel's ray is traced to the first surface it meets
    (2 x 2 rays a pixel, averaged: edges are antialiased as a camera's are)."""
    from render_engine.scan.camera import _rotation

    h, w = shot.size
    ss = 2
    yy, xx = np.mgrid[0:h * ss, 0:w * ss].astype(np.float64)
    f = shot.focal_px * ss
    cam = np.stack([(xx + 0.5 - w * ss / 2) / f, (yy + 0.5 - h * ss / 2) / f,
                    np.ones_like(xx)], axis=-1)  # (H', W', 3) photo camera rays
    level = cam @ _rotation(math.radians(shot.pitch_deg), math.radians(shot.roll_deg)).T
    ray = np.stack([level[..., 0], -level[..., 1], -level[..., 2]], axis=-1)  # world
    eye = np.array([-shot.offset_m, shot.lens_height_m, shot.distance_m])
    back, ceiling = -3.0, rng.uniform(2.4, 2.8)
    left, right = -rng.uniform(1.8, 2.6), rng.uniform(1.8, 2.6)

    def hit(axis: int, plane: float) -> np.ndarray:
        """(H', W') distance along each ray to the plane `axis` = `plane` (inf: behind)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            t = (plane - eye[axis]) / ray[..., axis]
        return np.where(t > 1e-6, t, np.inf)

    t = np.stack([hit(2, back), hit(1, 0.0), hit(1, ceiling), hit(0, left), hit(0, right)])
    surface = t.argmin(axis=0)  # 0 back wall, 1 floor, 2 ceiling, 3/4 side walls
    point = eye + ray * t.min(axis=0)[..., None]  # (H', W', 3)
    px, py, pz = point[..., 0], point[..., 1], point[..., 2]

    wall = np.array([rng.uniform(0.55, 0.85), rng.uniform(0.5, 0.8), rng.uniform(0.45, 0.75)])
    period = rng.uniform(0.08, 0.2)  # wallpaper stripes (m)
    stripe = 0.06 * (np.sin(px / period * math.pi) > 0.3)
    image = np.broadcast_to(wall, (*px.shape, 3)) * (1 - stripe)[..., None]
    side = wall * 0.85 * (1 - 0.06 * (np.sin(pz / period * math.pi) > 0.3))[..., None]
    image = np.where((surface >= 3)[..., None], side, image)
    image = np.where((surface == 2)[..., None], np.array([0.9, 0.9, 0.88]), image)
    wood = np.array([0.55, 0.36, 0.2])
    plank_w = rng.uniform(0.12, 0.2)
    plank = np.floor(px / plank_w)
    tone = 1 + 0.08 * np.sin(plank * 12.9898) + 0.05 * np.sin(pz * 9.0 + px * 3.0)
    seam = (np.abs(px / plank_w - np.round(px / plank_w)) * plank_w < 0.004) | (
        (pz + plank * 0.37) % 1.2 < 0.006)
    floor = wood * (tone * (1 - 0.3 * seam))[..., None]
    image = np.where((surface == 1)[..., None], floor, image)

    on_wall = surface == 0

    def panel(x0: float, y0: float, x1: float, y1: float, colour: np.ndarray) -> None:
        """A flat piece on the back wall, x0..x1 by y0..y1 (m)."""
        inside = on_wall & (px >= x0) & (px < x1) & (py >= y0) & (py < y1)
        image[inside] = colour

    panel(left, 0.0, right, 0.09, np.array([0.92, 0.92, 0.9]))  # skirting board
    door_x = rng.uniform(left + 0.1, -1.0)
    panel(door_x - 0.06, 0.0, door_x + 0.91, 2.06, np.array([0.95, 0.95, 0.93]))  # frame
    panel(door_x, 0.0, door_x + 0.85, 2.0, np.array([0.85, 0.82, 0.75]))
    panel(door_x + 0.7, 1.0, door_x + 0.76, 1.05, np.array([0.7, 0.6, 0.2]))
    sofa_x = rng.uniform(0.6, right - 1.1)
    sofa = np.array([rng.uniform(0.2, 0.6), rng.uniform(0.2, 0.5), rng.uniform(0.2, 0.6)])
    panel(sofa_x - 1.0, 0.0, sofa_x + 1.0, 0.8, sofa)
    panel(sofa_x - 1.1, 0.0, sofa_x + 1.1, 0.55, sofa * 0.8)
    panel(sofa_x - 0.5, 1.2, sofa_x + 0.3, 1.8, np.array([0.2, 0.35, 0.55]))  # picture
    plant_x = rng.uniform(-0.6, 0.4)
    panel(plant_x - 0.15, 0.0, plant_x + 0.15, 0.4, np.array([0.6, 0.3, 0.2]))
    panel(plant_x - 0.3, 0.4, plant_x + 0.3, 1.1, np.array([0.15, 0.45, 0.2]))
    return np.asarray(image.reshape(h, ss, w, ss, 3).mean(axis=(1, 3)))


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
