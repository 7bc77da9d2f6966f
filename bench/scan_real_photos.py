"""Regenerate the overlays of the real photographs in docs/scan/real_*.jpg (docs/scan.md, "Real
photographs"): each photo of tests/data/real_photos/ through the scan's first stage as the
pipeline runs it (bounded decode, BlazePose person and landmarks, the quality gate on the
person, `feedback.photo_feedback`). The overlays saved are the bytes the worker would store
for the photo (JPEG, 800 pixels on the long side). Prints each verdict.

    python bench/scan_real_photos.py                  # into docs/scan/
    python bench/scan_real_photos.py --out /tmp/real
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PHOTOS = ROOT / "tests" / "data" / "real_photos"
# file -> the pose a shopper sending it as a scan photo would most likely label it with
LABELS = {
    "standing_man_studio.jpg": "front",
    "yoga_warrior_beach.jpg": "front",
    "skier_snow.jpg": "front",
    "apollo11_crew.jpg": "front",
    "three_people_office.jpg": "front",
}


def main() -> None:
    import torch

    from render_engine.scan.decode import decode_photo
    from render_engine.scan.feedback import photo_feedback
    from render_engine.scan.person import detect_person
    from render_engine.scan.protocol import POSE_YAW_DEG
    from render_engine.scan.quality import analyse_detection

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default=str(ROOT / "docs" / "scan"))
    out = Path(parser.parse_args().out)
    out.mkdir(parents=True, exist_ok=True)
    for index, (name, pose) in enumerate(LABELS.items()):
        rgb = decode_photo((PHOTOS / name).read_bytes()).rgb
        detection = detect_person(rgb)
        image = torch.from_numpy(rgb).permute(2, 0, 1).to(torch.float32) / 255.0
        quality = analyse_detection(image, detection, pose)
        used = quality.usable and pose in POSE_YAW_DEG
        feedback = photo_feedback(index, pose, quality, used, rgb, detection)
        verdict = "accepted" if feedback.accepted else f"refused, {feedback.code}"
        print(f"{name} ({pose}): {verdict} (view {quality.view}, person {quality.coverage:.0%}"
              f" of the height){'' if feedback.message is None else ' - ' + feedback.message}")
        if feedback.overlay is not None:
            (out / f"real_{Path(name).stem}.jpg").write_bytes(feedback.overlay)


if __name__ == "__main__":
    main()
