"""The colours the person wears, and the room's pieces BlazePose's mask took in.

BlazePose's segmentation can take in furniture of a strong colour right behind the trunk
(a green cabinet behind the chest and waist of a side view: the outline runs round the
cabinet, the waist read 8 cm too large). Nothing in one photo's mask tells a cabinet from
a backpack, but the person wears the same clothes in every photo of a scan: the colours
along their skeleton in every photo (`person_palette`: the limbs' lines and the trunk
between the shoulders and the hips, inside the mask) are theirs, and a piece of the mask in
none of those colours, at the outline, between the shoulders and the knees, is the room's
(`without_room`).

Colours are compared by chromaticity (each channel's share of the sum): shading scales the
channels together, so the shaded side of a trunk has the lit side's chromaticity. Dark
pixels, whose chromaticity is mostly noise, are never judged; so neither is furniture of the
person's own colours or a neutral one behind neutral clothes (white on white): those stay
a known limit.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from render_engine.scan import person as P

#: Chromaticity bins per axis (red and green shares, 0..1): 0.02 wide.
BINS = 50
#: A colour is the person's within this many bins (0.06 of chromaticity) of one seen on
#: their skeleton: JPEG's chroma noise and light of slightly different colour on the lit
#: and shaded sides stay within it; the grid's and a room's furniture colours lie beyond.
TOLERANCE_BINS = 3
#: Pixels darker than this (sum of the three channels, 0..765) are not judged.
MIN_BRIGHTNESS = 120
#: A chromaticity bin counts as the person's once this many skeleton pixels fall in it.
MIN_PIXELS = 3
#: The skeleton's lines are drawn this thick (share of the mask's height).
LINE_SHARE = 0.01
#: Pieces thinner than this (share of the mask's height, each way) are the outline's own
#: mixed pixels, not the room's: opened away before anything is cut.
PIECE_SHARE = 0.006
#: More than this share of the mask between the shoulders and the knees in foreign colours
#: means the palette missed the person's clothes, not that furniture is there: nothing cut.
MAX_CUT_SHARE = 0.25

#: Landmark pairs along the limbs, the trunk's sides and the feet.
LIMBS = (
    (11, 13), (13, 15), (12, 14), (14, 16), (11, 23), (12, 24), (23, 25), (25, 27),
    (24, 26), (26, 28), (27, 29), (29, 31), (27, 31), (28, 30), (30, 32), (28, 32),
    (0, 11), (0, 12),
)
TRUNK = (P.LEFT_SHOULDER, P.RIGHT_SHOULDER, P.RIGHT_HIP, P.LEFT_HIP)


class Chroma(NamedTuple):
    """A photo's colours as the palette compares them: (H, W) chromaticity bin of each pixel
    (the red share's bin x `BINS` + the green share's bin) and (H, W) brightness (sum of
    the channels, 0..765)."""

    bins: np.ndarray
    brightness: np.ndarray


def chromaticity(rgb: np.ndarray) -> Chroma:
    """(H, W, 3) uint8 photo -> its `Chroma` (computed once per photo of a scan)."""
    total = rgb.sum(axis=2, dtype=np.uint16)
    share = rgb[..., :2].astype(np.float32) / np.maximum(total, 1).astype(np.float32)[..., None]
    q = np.clip((share * BINS).astype(np.int16), 0, BINS - 1)
    return Chroma(q[..., 0] * BINS + q[..., 1], total)


def _skeleton(detection: P.Detection) -> np.ndarray:
    """(H, W) bool: the mask's pixels on the limbs' lines and in the trunk's quadrilateral."""
    import cv2

    mask = detection.mask
    rows = np.nonzero(mask.any(axis=1))[0]
    if not len(rows):
        return mask
    thick = max(1, int(round(LINE_SHARE * (rows[-1] + 1 - rows[0]))))
    drawn = np.zeros(mask.shape, np.uint8)
    seen = [detection.visible(i) for i in range(len(detection.landmarks))]
    for a, b in LIMBS:
        if seen[a] and seen[b]:
            pa, pb = detection.point(a), detection.point(b)
            cv2.line(drawn, (int(pa[0]), int(pa[1])), (int(pb[0]), int(pb[1])), 1, thick)
    if all(seen[i] for i in TRUNK):
        corners = np.array([detection.point(i) for i in TRUNK], dtype=np.int32)
        cv2.fillPoly(drawn, [corners], 1)
    return np.asarray((drawn > 0) & mask, dtype=bool)


def person_palette(photos: list[tuple[Chroma, P.Detection]]) -> np.ndarray:
    """The chromaticities the person wears: (BINS * BINS,) bool, from the skeleton's pixels
    (`_skeleton`) of every (colours, detection) photo of one scan, widened by
    `TOLERANCE_BINS`."""
    from scipy import ndimage

    counts = np.zeros(BINS * BINS, np.int64)
    for colours, detection in photos:
        on = _skeleton(detection) & (colours.brightness >= MIN_BRIGHTNESS)
        counts += np.bincount(colours.bins[on], minlength=BINS * BINS)
    worn = (counts >= MIN_PIXELS).reshape(BINS, BINS)
    size = 2 * TOLERANCE_BINS + 1
    widened = ndimage.binary_dilation(worn, structure=np.ones((size, size), bool))
    return np.asarray(widened, dtype=bool).reshape(-1)


def _band(detection: P.Detection) -> tuple[int, int] | None:
    """Rows from the shoulders down to the knees (the trunk and thighs), or None."""
    tops = [detection.point(i)[1] for i in (P.LEFT_SHOULDER, P.RIGHT_SHOULDER)
            if detection.visible(i)]
    knees = [detection.point(i)[1] for i in (P.LEFT_KNEE, P.RIGHT_KNEE)
             if detection.visible(i)]
    if not tops or not knees or min(tops) >= max(knees):
        return None
    return int(min(tops)), int(np.ceil(max(knees)))


def without_room(colours: Chroma, detection: P.Detection, palette: np.ndarray) -> np.ndarray:
    """`detection`'s (H, W) bool mask less the pieces, between its shoulders and knees and
    reaching its outline, in none of `palette`'s colours (see the module)."""
    import cv2

    mask = detection.mask
    band = _band(detection)
    rows = np.nonzero(mask.any(axis=1))[0]
    if band is None or len(rows) < 10:
        return mask
    foreign = mask & ~palette[colours.bins] & (colours.brightness >= MIN_BRIGHTNESS)
    foreign[: band[0]] = False
    foreign[band[1] :] = False
    if not foreign.any():
        return mask
    r = max(1, int(round(PIECE_SHARE * (rows[-1] + 1 - rows[0]))))
    kernel = np.ones((2 * r + 1, 2 * r + 1), np.uint8)
    pieces = cv2.morphologyEx(foreign.astype(np.uint8), cv2.MORPH_OPEN, kernel)
    count, labels = cv2.connectedComponents(pieces)
    outside = cv2.dilate((~mask).astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    reaching = np.unique(labels[outside & (labels > 0)])
    cut = np.isin(labels, reaching[reaching > 0])
    # and the piece's own fringe, which the opening took off its edges
    cut |= foreign & (cv2.dilate(cut.astype(np.uint8), kernel) > 0)
    if not cut.any() or cut.sum() > MAX_CUT_SHARE * mask[band[0] : band[1]].sum():
        return mask
    body = [i for i in P.BODY_LANDMARKS if detection.visible(i)]
    points = detection.landmarks[body, :2]
    return np.asarray(P.person_component(mask & ~cut, points), dtype=bool)
