"""Finding the person in a photo: BlazePose (mediapipe 0.10.14, weights inside the wheel).

`detect_person` runs mediapipe's Pose solution (BlazePose GHUM "full", 33 landmarks, with
its person segmentation) on a photo scaled to at most `DETECT_SIDE` pixels on its long side,
and returns the landmarks in the photo's pixels, the person's mask (the segmentation above
0.5, its connected part holding the body's landmarks) and whether a second person stands in
the photo: the found person is painted over with the photo's median colour and the
detector runs again; a second confident full-body detection means several people.

BlazePose's detector sees the photo letterboxed into a 224-pixel square, so a person a third
of a landscape photo's height is about 60 pixels tall there and may be missed or read with
wrong landmarks. So the person is looked for again in a square crop around them
(`PERSON_CROP_MARGIN` of their height, as BlazePose's own tracker crops), found by the first
pass, or, when that found nobody, by overlapping square tiles of the photo. BlazePose now and
then collapses one crop's skeleton onto the trunk's centre line (a front view read as a side
view, arms on the belly) where other crops of the same photo read it right, so three readings
are taken (the crop, its mirror image, a crop of another size) and the one nearest the other
two is kept (`consensus`).

mediapipe's graphs are not safe to share between threads: one graph per process, used
under a lock. Nothing is downloaded: the 0.10.14 wheel carries `pose_landmark_full.tflite`
and `pose_detection.tflite` (see docs/architecture.md).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

DETECT_SIDE = 1024
#: A crop around the person is this many times their height: room for arms held out and
#: for the detector's face-and-hips box, as BlazePose's tracking crops.
PERSON_CROP_MARGIN = 1.5
#: The crown-to-hips share of a standing person's height (BlazePose's hip landmarks lie
#: about halfway up an adult), to place the feet when a reading missed the legs.
HIP_HEIGHT_FRACTION = 0.5
#: A person filling at least this fraction of the detector's square is not cropped again.
WELL_FRAMED = 0.6
#: Landmark indices of BlazePose's 33 (mediapipe.solutions.pose.PoseLandmark).
NOSE, LEFT_EAR, RIGHT_EAR = 0, 7, 8
LEFT_SHOULDER, RIGHT_SHOULDER, LEFT_ELBOW, RIGHT_ELBOW = 11, 12, 13, 14
LEFT_WRIST, RIGHT_WRIST, LEFT_HIP, RIGHT_HIP = 15, 16, 23, 24
LEFT_KNEE, RIGHT_KNEE, LEFT_ANKLE, RIGHT_ANKLE = 25, 26, 27, 28
LEFT_HEEL, RIGHT_HEEL, LEFT_FOOT, RIGHT_FOOT = 29, 30, 31, 32
#: Landmarks a full-body scan photo must show (visibility at least `MIN_VISIBILITY`).
#: Pairs (left, right) of which a scan photo must show at least one (a side view hides the far
#: side): shoulders, hips, knees, ankles.
BODY_PAIRS = ((11, 12), (23, 24), (25, 26), (27, 28))
BODY_LANDMARKS = (
    LEFT_SHOULDER, RIGHT_SHOULDER, LEFT_HIP, RIGHT_HIP, LEFT_KNEE, RIGHT_KNEE,
    LEFT_ANKLE, RIGHT_ANKLE,
)
MIN_VISIBILITY = 0.5
#: Skeleton drawn on overlays (pairs of landmark indices).
BONES = (
    (11, 12), (11, 13), (13, 15), (12, 14), (14, 16), (11, 23), (12, 24), (23, 24),
    (23, 25), (25, 27), (24, 26), (26, 28), (27, 29), (29, 31), (27, 31), (28, 30),
    (30, 32), (28, 32), (0, 11), (0, 12),
)


@dataclass(frozen=True)
class Detection:
    landmarks: np.ndarray  # (33, 3) float: x, y in the photo's pixels, visibility 0..1
    mask: np.ndarray  # (H, W) bool, the person
    second_person: bool
    #: (33,) BlazePose's depth of each landmark relative to the hips, in the units of x
    #: (photo width); smaller is nearer the camera. None when not known.
    depth: np.ndarray | None = None

    def body_seen(self) -> bool:
        """At least one of each pair of `BODY_PAIRS` is visible."""
        return sees_body(self.landmarks)

    def visible(self, index: int) -> bool:
        return bool(self.landmarks[index, 2] >= MIN_VISIBILITY)

    def point(self, index: int) -> np.ndarray:
        return self.landmarks[index, :2]

    def midpoint(self, a: int, b: int) -> np.ndarray:
        return np.asarray((self.landmarks[a, :2] + self.landmarks[b, :2]) / 2)


_LOCK = threading.Lock()
_POSE: Any = None


def _pose_graph() -> Any:
    global _POSE
    if _POSE is None:
        import mediapipe as mp

        _POSE = mp.solutions.pose.Pose(
            static_image_mode=True, model_complexity=1, enable_segmentation=True,
            min_detection_confidence=0.5,
        )
    return _POSE


def _run(rgb: np.ndarray) -> Any:
    with _LOCK:
        return _pose_graph().process(rgb)


def _resized(rgb: np.ndarray, side: int) -> np.ndarray:
    h, w = rgb.shape[:2]
    if max(h, w) <= side:
        return np.ascontiguousarray(rgb)
    from PIL import Image

    ratio = side / max(h, w)
    size = (max(1, round(w * ratio)), max(1, round(h * ratio)))
    return np.asarray(Image.fromarray(rgb).resize(size, Image.Resampling.BILINEAR))


def person_component(mask: np.ndarray, points: np.ndarray) -> np.ndarray:
    """The connected parts of `mask` that hold any of `points` (K, 2) pixels; the largest
    part when none does."""
    from scipy import ndimage

    labels, count = ndimage.label(mask)
    if count <= 1:
        return mask
    h, w = mask.shape
    keep = set()
    for x, y in points:
        xi, yi = int(round(x)), int(round(y))
        if 0 <= xi < w and 0 <= yi < h and labels[yi, xi] > 0:
            keep.add(int(labels[yi, xi]))
    if not keep:
        sizes = np.bincount(labels.ravel())[1:]
        keep = {int(sizes.argmax()) + 1}
    return np.isin(labels, list(keep))


@dataclass(frozen=True)
class _Found:
    landmarks: np.ndarray  # (33, 3) x, y in pixels of the searched image, visibility
    depth: np.ndarray  # (33,) in pixels of the searched image
    seg: np.ndarray  # (h, w) bool


def _find(image: np.ndarray, box: tuple[int, int, int, int] | None = None) -> _Found | None:
    """BlazePose on `image`, or on its square crop `box` (x0, y0, side, side; may reach past
    the image, padded with the edge colours), mapped back to `image`'s pixels."""
    h, w = image.shape[:2]
    x0, y0, side = (0, 0, 0) if box is None else box[:3]
    if box is None:
        crop = image
    else:
        pad = max(0, -x0, -y0, x0 + side - w, y0 + side - h)
        padded = np.pad(image, ((pad, pad), (pad, pad), (0, 0)), mode="edge") if pad else image
        crop = np.ascontiguousarray(padded[y0 + pad : y0 + pad + side, x0 + pad : x0 + pad + side])
    ch, cw = crop.shape[:2]
    result = _run(crop)
    if result.pose_landmarks is None or result.segmentation_mask is None:
        return None
    pts = result.pose_landmarks.landmark
    lm = np.array([(p.x * cw + x0, p.y * ch + y0, p.visibility) for p in pts], dtype=np.float64)
    depth = np.array([p.z * cw for p in pts], dtype=np.float64)
    part = np.asarray(result.segmentation_mask) > 0.5  # (ch, cw)
    seg = np.zeros((h, w), dtype=bool)
    ys, xs = slice(max(0, y0), min(h, y0 + ch)), slice(max(0, x0), min(w, x0 + cw))
    seg[ys, xs] = part[ys.start - y0 : ys.stop - y0, xs.start - x0 : xs.stop - x0]
    return _Found(lm, depth, seg)


def _box_around(found: _Found) -> tuple[int, int, int, int] | None:
    """A square crop `PERSON_CROP_MARGIN` times the person's height around them."""
    rows = np.nonzero(found.seg.any(axis=1))[0]
    cols = np.nonzero(found.seg.any(axis=0))[0]
    if len(rows) == 0:
        return None
    body = found.landmarks[[i for i in BODY_LANDMARKS if found.landmarks[i, 2] >= MIN_VISIBILITY]]
    top, bottom = float(rows[0]), float(rows[-1] + 1)
    if len(body):
        top, bottom = min(top, float(body[:, 1].min())), max(bottom, float(body[:, 1].max()))
    hips = [i for i in (LEFT_HIP, RIGHT_HIP) if found.landmarks[i, 2] >= MIN_VISIBILITY]
    if hips:
        # a reading that lost the legs (a small person's legs against a patterned floor)
        # still reaches the hips: a standing person's hips are about halfway up, so the
        # crop reaches down to where the feet must be, and the legs can be found in it
        hip = float(found.landmarks[hips, 1].mean())
        bottom = max(bottom, top + (hip - top) / HIP_HEIGHT_FRACTION)
    side = int(round(PERSON_CROP_MARGIN * (bottom - top)))
    cx, cy = (cols[0] + cols[-1] + 1) / 2, (top + bottom) / 2
    return int(round(cx - side / 2)), int(round(cy - side / 2)), side, side


def _tiles(h: int, w: int) -> list[tuple[int, int, int, int]]:
    """Overlapping square tiles (side two thirds of the short side, a third apart) that
    together hold any person of at least a quarter of the photo's height."""
    side = max(1, int(round(2 * min(h, w) / 3)))
    step = max(1, side // 2)
    xs = sorted({*range(0, max(1, w - side + 1), step), max(0, w - side)})
    ys = sorted({*range(0, max(1, h - side + 1), step), max(0, h - side)})
    return [(x, y, side, side) for y in ys for x in xs]


#: BlazePose's landmark pairs (left, right) swapped by a mirror image: eyes (inner, centre,
#: outer), ears, mouth, shoulders, elbows, wrists, hands (pinky, index, thumb), hips,
#: knees, ankles, heels, feet.
MIRROR_PAIRS = (
    (1, 4), (2, 5), (3, 6), (7, 8), (9, 10), (11, 12), (13, 14), (15, 16), (17, 18),
    (19, 20), (21, 22), (23, 24), (25, 26), (27, 28), (29, 30), (31, 32),
)
#: The second crop's size, times the person's height (see `_find_person`).
SECOND_CROP_MARGIN = 2.0


def _mirrored(found: _Found, width: int) -> _Found:
    """A `_Found` in a left-right mirrored image -> the same in the original image: columns
    mirrored back, each left/right landmark pair swapped back."""
    order = np.arange(33)
    for a, b in MIRROR_PAIRS:
        order[a], order[b] = b, a
    lm = found.landmarks[order].copy()
    lm[:, 0] = width - lm[:, 0]
    return _Found(lm, found.depth[order].copy(), found.seg[:, ::-1].copy())


def _find_mirrored(image: np.ndarray, box: tuple[int, int, int, int] | None) -> _Found | None:
    """`_find` on the left-right mirror of `image` (and of `box`), mapped back."""
    w = image.shape[1]
    flipped = np.ascontiguousarray(image[:, ::-1])
    mbox = None if box is None else (w - box[0] - box[2], box[1], box[2], box[3])
    found = _find(flipped, mbox)
    return None if found is None else _mirrored(found, w)


def _landmark_distance(a: _Found, b: _Found) -> float:
    """Median distance (pixels) between two readings' shoulders, elbows, wrists, hips, knees
    and ankles, each left/right pair matched either way (a back view's labels may swap)."""
    out = []
    for i, j in ((11, 12), (13, 14), (15, 16), (23, 24), (25, 26), (27, 28)):
        pa, pb = a.landmarks[[i, j], :2], b.landmarks[[i, j], :2]
        same = np.linalg.norm(pa - pb, axis=1)
        swapped = np.linalg.norm(pa - pb[::-1], axis=1)
        out.extend(same if same.sum() <= swapped.sum() else swapped)
    return float(np.median(out))


def consensus(readings: list[_Found]) -> _Found:
    """The reading nearest the others (least summed `_landmark_distance`; the first of
    equals): BlazePose now and then collapses a well-visible person's skeleton for one
    particular crop (shoulders and arms drawn onto the trunk's centre line, as if seen from
    the side), a reading the other crops do not share."""
    if len(readings) <= 2:
        return readings[0]
    cost = [sum(_landmark_distance(r, o) for o in readings if o is not r) for r in readings]
    return readings[int(np.argmin(cost))]


def _box_scaled(box: tuple[int, int, int, int], factor: float) -> tuple[int, int, int, int]:
    x, y, side, _ = box
    grown = int(round(side * factor))
    cx, cy = x + side / 2, y + side / 2
    return int(round(cx - grown / 2)), int(round(cy - grown / 2)), grown, grown


def _body_seen(found: _Found) -> tuple[int, int]:
    """How much of the body a reading sees: its visible body landmarks, then its mask's
    pixels."""
    visible = found.landmarks[list(BODY_LANDMARKS), 2] >= MIN_VISIBILITY
    return int(visible.sum()), int(found.seg.sum())


def _find_person(small: np.ndarray) -> _Found | None:
    """The person in `small`: the whole photo first, then tiles when nobody was found; then
    again in a crop around them when they fill less than `WELL_FRAMED` of the detector's
    square. The final reading is the `consensus` of three: that input, its mirror image,
    and a crop of another size (`SECOND_CROP_MARGIN`; `PERSON_CROP_MARGIN` around a
    well-framed person)."""
    h, w = small.shape[:2]
    found = _find(small)
    if found is None or not sees_body(found.landmarks):
        # nobody, or a reading that lost the body below the shoulders (a small person's
        # skeleton collapsed onto the head): a crop around such a reading holds no legs,
        # so the tiles are searched for a reading that sees the whole body
        fallback = found
        for tile in _tiles(h, w):
            candidate = _find(small, tile)
            if candidate is None or not candidate.seg.any():
                continue
            if sees_body(candidate.landmarks):
                found = candidate
                break
            # the reading that sees most of the body: a tile that holds the trunk and the
            # knees beats a whole-photo reading collapsed onto the head (a side view of a
            # person in white on a wooden floor: 26 mask pixels against 31,573), whose crop
            # would hold nobody
            if fallback is None or _body_seen(candidate) > _body_seen(fallback):
                fallback = candidate
        else:
            found = fallback
        if found is None:
            return None
    box = _box_around(found)
    if box is None:
        return found
    rows = np.nonzero(found.seg.any(axis=1))[0]
    if len(rows) and (rows[-1] - rows[0] + 1) >= WELL_FRAMED * max(h, w):
        found_again = [found, _find_mirrored(small, None), _find(small, box)]
    else:
        # all three crops, even when the first finds nobody: the whole photo's reading is
        # the last resort, its mask cut off where BlazePose's own region of interest ended
        # (a side view in a room: the mask ended straight across the shins, 18 % short)
        other = _box_scaled(box, SECOND_CROP_MARGIN / PERSON_CROP_MARGIN)
        found_again = [_find(small, box), _find_mirrored(small, box), _find(small, other)]
    readings = [r for r in found_again if r is not None and r.seg.any()]
    return consensus(readings) if readings else found


def sees_body(landmarks: np.ndarray) -> bool:
    """(33, 3) landmarks show one of each of `BODY_PAIRS` (shoulders, hips, knees, ankles)."""
    vis = landmarks[:, 2] >= MIN_VISIBILITY
    return all(bool(vis[a] or vis[b]) for a, b in BODY_PAIRS)


def detect_person(rgb: np.ndarray) -> Detection | None:
    """(H, W, 3) uint8 photo -> the person's `Detection`, or None when no person is found."""
    h, w = rgb.shape[:2]
    small = _resized(rgb, DETECT_SIDE)
    sh, sw = small.shape[:2]
    found = _find_person(small)
    if found is None:
        return None
    scale = np.array([w / sw, h / sh, 1.0])
    lm = found.landmarks * scale  # (33, 3) in the photo's pixels
    depth = found.depth * (w / sw)
    body = [i for i in BODY_LANDMARKS if lm[i, 2] >= MIN_VISIBILITY]
    seg = person_component(found.seg, found.landmarks[body, :2])
    # a second person: paint the first one over and look again
    painted = small.copy()
    rows = np.nonzero(seg.any(axis=1))[0]
    tall = int(rows[-1] - rows[0] + 1) if len(rows) else sh
    grown = _dilate(seg, max(2, tall // 25))
    painted[grown] = np.median(small[~grown], axis=0).astype(np.uint8) if (~grown).any() else 0
    again = _run(painted)
    second = False
    if again.pose_landmarks is not None:
        pts = again.pose_landmarks.landmark
        vis = np.array([pts[i].visibility for i in BODY_LANDMARKS])
        x = np.array([pts[i].x * sw for i in BODY_LANDMARKS])
        y = np.array([pts[i].y * sh for i in BODY_LANDMARKS])
        ys, xs = np.nonzero(grown)
        # confident, and standing beside the first person rather than on their remains
        beside = not (xs.min() <= np.median(x) <= xs.max() and ys.min() <= np.median(y) <= ys.max())
        second = bool((vis >= MIN_VISIBILITY).mean() >= 0.75) and beside
    if (sh, sw) != (h, w):
        from PIL import Image

        full = Image.fromarray(seg.astype(np.uint8) * 255).resize((w, h), Image.Resampling.BILINEAR)
        mask = np.asarray(full) >= 128
    else:
        mask = seg
    return Detection(lm, grow_feet(rgb, mask), second, depth)


#: The feet and ankles: the lowest share of a standing person's height (the mask's).
FEET_SHARE = 0.08
#: How far below the mask's bottom (share of its height) lost feet are looked for.
FEET_REACH = 0.12


def grow_feet(rgb: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """BlazePose's (H, W) bool person mask with the feet it lost (now and then: darker feet
    on a grey or wooden floor, its bottom 5-12 cm above the soles, which the cameras take
    as the soles' row) taken back from the photo: GrabCut (OpenCV; colour models of person
    and background, and the contrast between neighbouring pixels) decides the pixels in the
    mask's lowest `FEET_SHARE` and up to `FEET_REACH` below it, beside the feet; above that
    the mask stays as it is, pixels are only added, and only those joined to the person."""
    import cv2

    rows = np.nonzero(mask.any(axis=1))[0]
    if len(rows) < 10:
        return mask
    h, w = mask.shape
    tall = int(rows[-1] + 1 - rows[0])
    feet_top = int(rows[-1] + 1 - FEET_SHARE * tall)
    y0 = max(0, int(rows[-1] + 1 - 3 * FEET_SHARE * tall))
    y1 = min(h, int(rows[-1] + 1 + FEET_REACH * tall))
    cols = np.nonzero(mask[feet_top:].any(axis=0))[0]
    side = int(0.1 * tall)
    x0, x1 = max(0, int(cols[0]) - side), min(w, int(cols[-1]) + 1 + side)
    part = mask[y0:y1, x0:x1]
    r = max(2, int(round(2 * tall / 200)))
    inner = cv2.erode(part.astype(np.uint8), np.ones((2 * r + 1, 2 * r + 1), np.uint8)) > 0
    labels = np.full(part.shape, cv2.GC_PR_BGD, np.uint8)
    labels[part] = cv2.GC_PR_FGD
    labels[inner] = cv2.GC_FGD
    above = feet_top - y0  # the legs above the feet: as BlazePose has them
    labels[:above] = np.where(part[:above], cv2.GC_FGD, cv2.GC_BGD)
    if not ((labels == cv2.GC_BGD) | (labels == cv2.GC_PR_BGD)).any():
        return mask
    try:
        cv2.setRNGSeed(0)  # its colour models start from k-means: the same photo, the same mask
        # OpenCV's stubs want a rectangle, which the mask mode (GC_INIT_WITH_MASK) ignores
        cv2.grabCut(  # type: ignore[call-overload]
            np.ascontiguousarray(rgb[y0:y1, x0:x1, ::-1]), labels, None,
            np.zeros((1, 65)), np.zeros((1, 65)), 3, cv2.GC_INIT_WITH_MASK,
        )
    except cv2.error:
        return mask
    grown = mask.copy()
    grown[y0:y1, x0:x1] |= (labels == cv2.GC_FGD) | (labels == cv2.GC_PR_FGD)
    _, parts = cv2.connectedComponents(grown.astype(np.uint8))
    person = np.unique(parts[mask])
    return np.asarray(np.isin(parts, person[person > 0]))


def _dilate(mask: np.ndarray, radius: int) -> np.ndarray:
    from scipy import ndimage

    return np.asarray(ndimage.binary_dilation(mask, iterations=radius), dtype=bool)
