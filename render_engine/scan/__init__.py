"""Avatar scans from photos: the person found by BlazePose, photo quality measured on the
person, each photo's camera estimated, and a body fitted to the outlines (docs/scan.md).

Public API:
    analyse_photo(photo) -> PhotoQuality
    extract_silhouette(image) -> (H, W) bool mask
    scan_from_photos(photos, height_cm, weight_kg=None, gender=None, body_type=None,
                     on_stage=None, is_cancelled=None) -> ScanResult
    ScanRejected, ScanCancelled; the fit's reference camera in `render_engine.scan.protocol`.
"""

from render_engine.scan.errors import ScanCancelled, ScanRejected
from render_engine.scan.pipeline import STAGES, PhotoReport, ScanResult, scan_from_photos
from render_engine.scan.quality import REASONS, PhotoQuality, analyse_photo
from render_engine.scan.silhouette import extract_silhouette

__all__ = [
    "REASONS",
    "STAGES",
    "PhotoQuality",
    "PhotoReport",
    "ScanCancelled",
    "ScanRejected",
    "ScanResult",
    "analyse_photo",
    "extract_silhouette",
    "scan_from_photos",
]
