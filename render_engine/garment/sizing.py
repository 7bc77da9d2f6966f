"""Size-guide arithmetic: ease per region, the fit report, and the recommended size.

Everything here is pure and works on plain dicts, in centimetres (the spec's `sizeGuide` unit).

Ease
    ``ease = garment measure - body measure`` for every size-guide key that has a body
    counterpart (`GUIDE_KEYS`): girths (chest, waist, hips) against the body's circumferences,
    ``shoulder`` against ``shoulderWidth``, ``sleeve`` against ``armLength`` and ``inseam``
    against ``legLength``. Keys without a body counterpart (``length``, ``neck``...) shape the
    garment but are not judged.

Fit of one region
    Each fit style (`FIT_STYLES`: slim, regular, relaxed, oversized) has a target ease per key
    (`TARGET_EASE_CM`) and each key a tolerance band (`BAND_CM`). A region is ``regular`` when
    ``|ease - target| <= band``, ``tight`` below that and ``loose`` above. The classification is a
    monotone function of the ease, so a larger garment measure is never judged tighter.
    ``tight`` therefore means "tighter than the style is designed to be worn": an oversized
    coat with 20 cm of chest ease is tight for its style (it wants 26 +- 5 cm).

Size order
    Letter sizes (XXS, XS, S, M, L, XL, 2XL/XXL, 3XL...) are ordered by size, purely numeric
    labels numerically, anything else in the guide's own order.

Recommended size
    Among the sizes with no ``tight`` region, the one whose eases are closest to the fit style's
    targets (sum over judged regions of ``|ease - target| / band``); on a tie the smaller size.
    ``None`` when every size is tight somewhere or no size-guide key can be judged.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

from render_engine.errors import InvalidRequest

FIT_STYLES: tuple[str, ...] = ("slim", "regular", "relaxed", "oversized")

#: size-guide key (after `normalise_key`) -> body measurement key it is compared with.
GUIDE_KEYS: dict[str, str] = {
    "chest": "chest",
    "waist": "waist",
    "hips": "hips",
    "shoulder": "shoulderWidth",
    "sleeve": "armLength",
    "inseam": "legLength",
}

_ALIASES = {"hip": "hips", "bust": "chest", "shoulders": "shoulder", "sleeveLength": "sleeve"}

#: fit style -> key -> the ease (cm) a garment of that style is designed with.
TARGET_EASE_CM: dict[str, dict[str, float]] = {
    "slim": {
        "chest": 4.0,
        "waist": 3.0,
        "hips": 3.0,
        "shoulder": 0.0,
        "sleeve": 0.0,
        "inseam": 0.0,
        "arm": 2.0,
        "thigh": 2.0,
        "length": 0.0,
    },
    "regular": {
        "chest": 10.0,
        "waist": 8.0,
        "hips": 8.0,
        "shoulder": 1.0,
        "sleeve": 1.0,
        "inseam": 0.0,
        "arm": 5.0,
        "thigh": 5.0,
        "length": 0.0,
    },
    "relaxed": {
        "chest": 16.0,
        "waist": 14.0,
        "hips": 14.0,
        "shoulder": 3.0,
        "sleeve": 2.0,
        "inseam": 1.0,
        "arm": 8.0,
        "thigh": 9.0,
        "length": 0.0,
    },
    "oversized": {
        "chest": 26.0,
        "waist": 22.0,
        "hips": 22.0,
        "shoulder": 6.0,
        "sleeve": 3.0,
        "inseam": 2.0,
        "arm": 14.0,
        "thigh": 14.0,
        "length": 0.0,
    },
}

#: key -> half width (cm) of the band around the target that still counts as ``regular``.
BAND_CM: dict[str, float] = {
    "chest": 5.0,
    "waist": 5.0,
    "hips": 5.0,
    "shoulder": 2.0,
    "sleeve": 3.0,
    "inseam": 3.0,
}

FIT_RANK = {"tight": 0, "regular": 1, "loose": 2}

_LETTER = re.compile(r"^(?:(\d)X|(X*))(S|M|L)$")


def normalise_key(key: str) -> str:
    """A size-guide key in the engine's words (``hip`` -> ``hips``, ``bust`` -> ``chest``)."""
    return _ALIASES.get(key, key)


def check_fit_style(fit: str) -> str:
    if fit not in FIT_STYLES:
        raise InvalidRequest(
            f"unknown fit {fit!r}; expected one of {', '.join(FIT_STYLES)}", code="INVALID_FIT"
        )
    return fit


def check_size_guide(size_guide: Mapping[str, Mapping[str, float]]) -> None:
    """Raise `InvalidRequest` unless the guide is ``{size: {key: positive number}}``, non-empty."""
    if not isinstance(size_guide, Mapping) or not size_guide:
        raise InvalidRequest(
            "sizeGuide must be a non-empty object of sizes", code="INVALID_SIZE_GUIDE"
        )
    for size, measures in size_guide.items():
        if not isinstance(measures, Mapping):
            raise InvalidRequest(
                f"sizeGuide[{size!r}] must be an object", code="INVALID_SIZE_GUIDE"
            )
        for key, value in measures.items():
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or not math.isfinite(value)
                or value <= 0
            ):
                raise InvalidRequest(
                    f"sizeGuide[{size!r}][{key!r}] = {value!r} is not a positive number",
                    code="INVALID_SIZE_GUIDE",
                )


def check_size(size_guide: Mapping[str, Mapping[str, float]], size: str) -> Mapping[str, float]:
    check_size_guide(size_guide)
    if size not in size_guide:
        raise InvalidRequest(
            f"size {size!r} is not in the size guide ({', '.join(size_guide)})", code="INVALID_SIZE"
        )
    return size_guide[size]


def target_ease_cm(fit: str, key: str) -> float:
    """The ease (cm) a `fit`-style garment is designed with for `key` (0 if unknown)."""
    return TARGET_EASE_CM[check_fit_style(fit)].get(normalise_key(key), 0.0)


def classify(key: str, ease_cm: float, fit: str) -> str:
    """``tight`` / ``regular`` / ``loose`` for one region's ease (see the module doc)."""
    key = normalise_key(key)
    target = target_ease_cm(fit, key)
    band = BAND_CM.get(key, 3.0)
    if ease_cm < target - band:
        return "tight"
    if ease_cm > target + band:
        return "loose"
    return "regular"


def garment_eases_cm(
    body_measurements: Mapping[str, float], measures: Mapping[str, float]
) -> dict[str, float]:
    """{region: garment - body (cm)} for every guide key with a body counterpart."""
    eases: dict[str, float] = {}
    for raw_key, value in measures.items():
        key = normalise_key(raw_key)
        body_key = GUIDE_KEYS.get(key)
        if body_key is None or body_key not in body_measurements:
            continue
        eases[key] = float(value) - float(body_measurements[body_key])
    return eases


def fit_report(
    body_measurements: Mapping[str, float],
    size_guide: Mapping[str, Mapping[str, float]],
    size: str,
    fit: str = "regular",
) -> dict[str, dict[str, float | str]]:
    """Per judged region: ``{"fit": "tight|regular|loose", "easeCm": float}`` (0.1 cm)."""
    check_fit_style(fit)
    measures = check_size(size_guide, size)
    return {
        region: {"fit": classify(region, ease, fit), "easeCm": round(ease, 1)}
        for region, ease in garment_eases_cm(body_measurements, measures).items()
    }


def _size_rank(label: str) -> float | None:
    text = label.strip().upper().replace("-", "")
    match = _LETTER.match(text)
    if match:
        n_x = int(match.group(1)) if match.group(1) else len(match.group(2) or "")
        letter = match.group(3)
        if letter == "M":
            return 0.0 if n_x == 0 else None
        return float(-(n_x + 1) if letter == "S" else n_x + 1)
    try:
        return float(text)
    except ValueError:
        return None


def ordered_sizes(size_guide: Mapping[str, Mapping[str, float]]) -> list[str]:
    """Sizes from smallest to largest (letters by size, numbers numerically, else as given)."""
    labels = list(size_guide)
    ranks = [_size_rank(label) for label in labels]
    letters = [
        _LETTER.match(label.strip().upper().replace("-", "")) is not None for label in labels
    ]
    known = [r for r in ranks if r is not None]
    if len(known) == len(ranks) and (all(letters) or not any(letters)):
        return [label for _, label in sorted(zip(known, labels, strict=True), key=lambda p: p[0])]
    return labels


def recommend_size(
    body_measurements: Mapping[str, float],
    size_guide: Mapping[str, Mapping[str, float]],
    fit: str = "regular",
) -> str | None:
    """The best size for the body (rule in the module doc), or ``None``."""
    check_fit_style(fit)
    check_size_guide(size_guide)
    best: tuple[float, str] | None = None
    for size in ordered_sizes(size_guide):
        eases = garment_eases_cm(body_measurements, size_guide[size])
        if not eases:
            continue
        if any(classify(region, ease, fit) == "tight" for region, ease in eases.items()):
            continue
        score = sum(
            abs(ease - target_ease_cm(fit, region)) / BAND_CM.get(region, 3.0)
            for region, ease in eases.items()
        )
        if best is None or score < best[0] - 1e-9:
            best = (score, size)
    return None if best is None else best[1]
