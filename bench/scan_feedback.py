"""Regenerate the scan-feedback overlays in docs/scan/ (docs/scan.md "What each photo
reports"): a generated photo set in a furnished room, 9:16, whose front photo (taken too close)
cuts off the feet. The scan refuses it and reports every photo; the overlays saved are the
bytes the worker would store. Then a set taken by a phone tipped 8 degrees down, which
completes: its front photo's overlay shows the room's verticals that told the tilt.

    python bench/scan_feedback.py                  # into docs/scan/
    python bench/scan_feedback.py --out /tmp/fb
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BODY = {"gender": 0.1, "age": 0.8, "muscle": 0.6, "weight": 0.4, "height": 0.55,
        "proportions": 0.5}
# pose -> (file name, distance in metres): the front photo from too close
PHOTOS = {"front": ("feedback_refused_cut_off.jpg", 1.5),
          "side_left": ("feedback_accepted_side.jpg", 3.0),
          "back": (None, 3.0)}


def main() -> None:
    from render_engine.body import build_body
    from render_engine.scan import ScanRejected, scan_from_photos
    from render_engine.scan.photoshoot import Shot, dressed_colors, jpeg_bytes, take_photo

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default=str(ROOT / "docs" / "scan"))
    out = Path(parser.parse_args().out)
    body = build_body(BODY)
    colours = dressed_colors(body, "dark", "red")
    photos: list[tuple[str, bytes | torch.Tensor]] = []
    for pose, (_, distance) in PHOTOS.items():
        shot = Shot(rows=960, aspect=9 / 16, background="room", distance_m=distance,
                    lens_height_m=1.2, vfov_deg=65)
        rgb = take_photo(body.mesh.verts, body.mesh.faces, colours, pose, shot, seed=3)
        photos.append((pose, jpeg_bytes(rgb, shot)))
    try:
        scan_from_photos(photos, body.measurements["height"])
    except ScanRejected as rejected:
        feedback = rejected.feedback
    else:
        raise SystemExit("the scan was expected to refuse the cut-off front photo")
    out.mkdir(parents=True, exist_ok=True)
    for photo in feedback:
        print(photo.pose, "accepted" if photo.accepted else f"refused {photo.code}")
        name = PHOTOS[photo.pose][0]
        if name and photo.overlay:
            (out / name).write_bytes(photo.overlay)

    tilted = Shot(rows=960, aspect=9 / 16, background="room", distance_m=3.0,
                  lens_height_m=1.4, vfov_deg=65, pitch_deg=8.0, roll_deg=1.0)
    done = scan_from_photos(
        [(pose, jpeg_bytes(take_photo(body.mesh.verts, body.mesh.faces, colours, pose, tilted,
                                      seed=3), tilted)) for pose in ("front", "side_left", "back")],
        body.measurements["height"],
    )
    front = done.feedback[0]
    camera = done.photo_reports[0].camera
    assert front.overlay is not None and camera is not None
    print("tilted front:", camera.as_report())
    (out / "feedback_room_verticals.jpg").write_bytes(front.overlay)


if __name__ == "__main__":
    main()
