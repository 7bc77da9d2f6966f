"""Measurements -> body: the acceptance fit over anny's range, inputs, priors, persistence."""

from __future__ import annotations

import json
import random

import pytest
import torch

torch.set_num_threads(2)

from render_engine.body import (  # noqa: E402
    BodyRegion,
    Measurements,
    body_from_params,
    build_body,
    fit_measurements,
)
from render_engine.errors import InvalidRequest  # noqa: E402


def sampled_targets(count: int, seed: int = 0) -> list[dict[str, float]]:
    """Adult anny phenotypes spread over the model's range (age from young adult to old)."""
    rng = random.Random(seed)
    return [
        {
            "gender": rng.random(),
            "age": rng.uniform(2 / 3, 1.0),
            "muscle": rng.random(),
            "weight": rng.random(),
            "height": rng.random(),
            "proportions": rng.random(),
        }
        for _ in range(count)
    ]


@pytest.mark.slow
def test_fitted_bodies_match_twenty_sampled_bodies_within_one_cm_of_height_and_two_of_girths(
    
) -> None:
    misses = []
    for phenotype in sampled_targets(20):
        target = build_body(phenotype).measurements
        fitted = fit_measurements(target).measurements
        errors = {k: abs(fitted[k] - target[k]) for k in ("height", "chest", "waist", "hips")}
        if errors["height"] > 1.0 or max(errors["chest"], errors["waist"], errors["hips"]) > 2.0:
            misses.append((phenotype, errors))
    assert not misses


def test_a_fit_from_height_alone_gives_that_height() -> None:
    body = fit_measurements(Measurements(height=171.0))
    assert body.measurements["height"] == pytest.approx(171.0, abs=0.5)


def test_gender_and_body_type_priors_shape_the_body_when_only_height_is_known() -> None:
    male = fit_measurements({"height": 175.0}, gender="male", body_type="athletic")
    female = fit_measurements({"height": 175.0}, gender="female", body_type="plus_size")
    assert male.phenotype["gender"] < 0.3 < 0.7 < female.phenotype["gender"]
    assert female.phenotype["weight"] > male.phenotype["weight"]
    assert female.measurements["weight"] > male.measurements["weight"]


def test_measurements_out_of_range_or_unknown_are_rejected() -> None:
    with pytest.raises(InvalidRequest):
        Measurements(height=20.0)
    with pytest.raises(InvalidRequest):
        Measurements.from_dict({"height": 170.0, "neck": 40.0})
    with pytest.raises(InvalidRequest):
        Measurements.from_dict({"weight": 70.0})
    with pytest.raises(InvalidRequest):
        fit_measurements({"height": 170.0}, gender="robot")
    with pytest.raises(InvalidRequest):
        fit_measurements({"height": 170.0}, body_type="square")


def test_a_body_rebuilt_from_its_json_params_is_identical() -> None:
    body = fit_measurements({"height": 168.0, "waist": 80.0})
    params = json.loads(json.dumps(body.to_params()))
    again = body_from_params(params)
    assert torch.equal(again.mesh.verts, body.mesh.verts)
    assert again.measurements == body.measurements
    with pytest.raises(InvalidRequest):
        body_from_params({"model": "smpl"})
    with pytest.raises(InvalidRequest):
        body_from_params({"model": "anny", "phenotype": {"weight": 3.0}})


def test_the_body_mesh_stands_on_the_floor_facing_plus_z_with_every_region_labelled() -> None:
    body = build_body({"age": 2 / 3})
    mesh = body.mesh
    assert mesh.verts.dtype == torch.float32 and mesh.faces.dtype == torch.int64
    assert float(mesh.verts[:, 1].min()) == pytest.approx(0.0, abs=1e-6)
    assert float(mesh.verts[:, 1].max()) == pytest.approx(
        body.measurements["height"] / 100, abs=1e-3
    )
    labels = mesh.labels
    assert labels is not None
    assert set(labels.unique().tolist()) == {int(r) for r in BodyRegion}  # type: ignore[no-untyped-call]  # Tensor.unique is unannotated
    head = mesh.verts[labels == BodyRegion.HEAD]
    feet = mesh.verts[labels == BodyRegion.FEET]
    # the face (nose) sticks out towards +Z, the toes too
    assert float(head[:, 2].max()) > float(head[:, 2].mean()) + 0.05
    assert float(feet[:, 2].max()) > float(feet[:, 2].mean()) + 0.05
    assert float(head[:, 1].mean()) > float(mesh.verts[labels == BodyRegion.TORSO][:, 1].mean())
    # the figure's left (".L" bones) at +X
    left_hand = body.skeleton.heads[body.skeleton.index("wrist.L")]
    assert float(left_hand[0]) > 0.2
    weights = body.skinning_weights
    assert weights.shape == (mesh.num_verts, len(body.skeleton.labels))
    assert torch.allclose(weights.sum(1), torch.ones(mesh.num_verts), atol=1e-5)
