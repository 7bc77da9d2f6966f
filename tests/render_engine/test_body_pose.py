"""Posing bodies: presets, custom adjustments, validation, and points that follow the body."""

from __future__ import annotations

from typing import Any

import pytest
import torch

torch.set_num_threads(2)

from render_engine.body import (  # noqa: E402
    POSE_PRESETS,
    BodyRegion,
    build_body,
    pose_body,
    pose_points,
    transfer_weights,
)
from render_engine.body.fitted import FittedBody  # noqa: E402
from render_engine.body.model import ANNY_TO_WORLD, anny_model, phenotype_tensor  # noqa: E402
from render_engine.body.pose import _rotation_matrix, joint_rotations, parse_pose  # noqa: E402
from render_engine.errors import InvalidRequest  # noqa: E402


@pytest.fixture(scope="module")
def body() -> FittedBody:
    return build_body({"age": 0.7, "gender": 0.3, "weight": 0.6})


def test_there_are_at_least_four_presets_starting_with_standing_neutral() -> None:
    assert POSE_PRESETS[0] == "standing_neutral"
    assert len(POSE_PRESETS) >= 4


@pytest.mark.parametrize("preset", POSE_PRESETS)
def test_every_preset_stands_on_the_floor_and_moves_the_arms(body: FittedBody, preset: str) -> None:
    posed = pose_body(body, preset)
    assert posed.verts.shape == body.mesh.verts.shape
    assert float(posed.verts[:, 1].min()) == pytest.approx(0.0, abs=1e-5)
    hands = body.mesh.labels == BodyRegion.HANDS
    moved = (posed.verts[hands] - body.mesh.verts[hands]).norm(dim=1).mean()
    assert float(moved) > 0.05


def test_our_skinning_reproduces_anny_own_posed_vertices(body: FittedBody) -> None:
    spec = parse_pose("walking")
    model = anny_model()
    labels = list(model.bone_labels)
    deltas = torch.eye(4, dtype=torch.float64).repeat(1, len(labels), 1, 1)
    for bone, rot in joint_rotations(spec).items():
        deltas[0, labels.index(bone), :3, :3] = (
            ANNY_TO_WORLD.T @ _rotation_matrix(rot) @ ANNY_TO_WORLD
        )
    anny_posed = model(pose_parameters=deltas, phenotype_kwargs=phenotype_tensor(body.phenotype))[
        "vertices"
    ][0]
    reference = (anny_posed @ ANNY_TO_WORLD.T).to(torch.float32)
    ours = pose_body(body, "walking").verts
    # same shape up to the vertical shift that puts the feet on the floor
    offset = (ours - reference).mean(0)
    assert abs(float(offset[0])) < 1e-5 and abs(float(offset[2])) < 1e-5
    assert torch.allclose(ours - offset, reference, atol=2e-5)


def test_standing_neutral_hangs_the_arms_beside_the_body(body: FittedBody) -> None:
    posed = pose_body(body, "standing_neutral")
    hands = posed.verts[body.mesh.labels == BodyRegion.HANDS]
    hips_y = float(body.skeleton.heads[body.skeleton.index("upperleg01.L"), 1])
    assert float(hands[:, 1].mean()) < hips_y + 0.05  # hands at or below the hip joints
    assert float(hands[:, 0].abs().max()) < 0.35


def test_arm_rotation_raises_the_hands_and_leg_position_spreads_the_feet(body: FittedBody) -> None:
    base = pose_body(body, "standing_neutral")
    raised = pose_body(body, "standing_neutral", {"arm_rotation": 60})
    hands = body.mesh.labels == BodyRegion.HANDS
    assert float(raised.verts[hands, 1].mean()) > float(base.verts[hands, 1].mean()) + 0.2
    feet = body.mesh.labels == BodyRegion.FEET
    spread = {
        pos: float(
            pose_body(body, "standing_neutral", {"leg_position": pos}).verts[feet, 0].abs().mean()
        )
        for pos in ("together", "slightly_apart", "apart")
    }
    assert spread["together"] < spread["slightly_apart"] < spread["apart"]


def test_head_tilt_rolls_the_head_sideways(body: FittedBody) -> None:
    head = body.mesh.labels == BodyRegion.HEAD
    straight = pose_body(body, "standing_neutral").verts[head]
    tilted = pose_body(body, "standing_neutral", {"head_tilt": 20}).verts[head]
    assert float(tilted[:, 0].mean() - straight[:, 0].mean()) > 0.01


@pytest.mark.parametrize(
    "preset, adjustments",
    [
        ("dancing", None),
        ("standing_neutral", {"arm_rotation": 500}),
        ("standing_neutral", {"arm_rotation": "a lot"}),
        ("standing_neutral", {"leg_position": "crossed"}),
        ("standing_neutral", {"tail_wag": 3}),
    ],
)
def test_unknown_presets_and_bad_adjustments_raise_invalid_request(
    body: FittedBody, preset: str, adjustments: dict[str, Any] | None
) -> None:
    with pytest.raises(InvalidRequest):
        pose_body(body, preset, adjustments)


def test_points_with_the_body_weights_follow_the_body_exactly(body: FittedBody) -> None:
    posed = pose_body(body, "hands_on_hips", {"arm_rotation": 10})
    points = pose_points(
        body, "hands_on_hips", {"arm_rotation": 10}, body.mesh.verts, body.skinning_weights
    )
    assert torch.equal(points, posed.verts)


def test_a_shell_offset_from_the_body_stays_close_to_the_posed_body(body: FittedBody) -> None:
    # a garment-like shell: torso and arm vertices pushed 1 cm outwards
    from render_engine.body.measures import landmarks  # noqa: F401  (warms the model)

    labels = body.mesh.labels
    assert labels is not None
    sel = (labels == BodyRegion.TORSO) | (labels == BodyRegion.ARMS)
    idx = torch.nonzero(sel).squeeze(1)[::7]
    centre = body.mesh.verts[idx].mean(0)
    shell = body.mesh.verts[idx] + 0.01 * torch.nn.functional.normalize(
        body.mesh.verts[idx] - centre, dim=1
    )
    weights = transfer_weights(body, shell)
    assert torch.allclose(weights.sum(1), torch.ones(len(idx)), atol=1e-5)
    posed_shell = pose_points(body, "walking", None, shell, weights)
    posed_body = pose_body(body, "walking").verts[idx]
    assert float((posed_shell - posed_body).norm(dim=1).max()) < 0.03
