"""Avatar bodies on the anny parametric model: measurements -> body, measures, regions, poses.

Public API:
    Measurements, fit_measurements(measurements, gender=None, body_type=None) -> FittedBody
    FittedBody (mesh, phenotype, measurements, skeleton, skinning_weights, to_params())
    body_from_params(params) -> FittedBody, build_body(phenotype) -> FittedBody
    BodyRegion (labels in FittedBody.mesh.labels)
    body_measures(verts, heads), MEASUREMENT_KEYS
    POSE_PRESETS, pose_body, pose_points, pose_transforms, skin_points, transfer_weights
"""

from render_engine.body.fit import BODY_TYPES, GENDERS, Measurements, fit_measurements
from render_engine.body.fitted import FittedBody, Skeleton, body_from_params, build_body
from render_engine.body.measures import MEASUREMENT_KEYS, body_measures
from render_engine.body.model import anny_model
from render_engine.body.pose import (
    POSE_PRESETS,
    pose_body,
    pose_points,
    pose_transforms,
    skin_points,
    transfer_weights,
)
from render_engine.body.regions import BodyRegion

__all__ = [
    "BODY_TYPES",
    "GENDERS",
    "MEASUREMENT_KEYS",
    "POSE_PRESETS",
    "BodyRegion",
    "FittedBody",
    "Measurements",
    "Skeleton",
    "anny_model",
    "body_from_params",
    "body_measures",
    "build_body",
    "fit_measurements",
    "pose_body",
    "pose_points",
    "pose_transforms",
    "skin_points",
    "transfer_weights",
]
