"""Body regions: every vertex of the body labelled by the part it belongs to.

A vertex belongs to the region of the bone that moves it most (its largest skinning weight).
The garment builder cuts garments out of these regions (torso and arms for tops, hips and legs
for bottoms, feet for shoes...).
"""

from __future__ import annotations

import enum

import torch


class BodyRegion(enum.IntEnum):
    """Region ids stored in `TriMesh.labels` of a body mesh."""

    HEAD = 0  # neck, head, eyes
    TORSO = 1  # chest, belly, upper back, clavicles
    ARMS = 2  # shoulders, upper arms, forearms
    HANDS = 3  # wrists, palms, fingers
    HIPS = 4  # pelvis, buttocks, lower belly (the pelvis bones)
    LEGS = 5  # thighs, knees, calves
    FEET = 6  # feet and toes


def bone_region(bone_label: str) -> BodyRegion:
    """The region of one anny bone, by its label (``upperarm01.L``, ``spine03``...)."""
    name = bone_label.split(".")[0]
    if name.startswith(("neck", "head", "eye", "jaw", "tongue")):
        return BodyRegion.HEAD
    if name.startswith(("wrist", "finger", "metacarpal")):
        return BodyRegion.HANDS
    if name.startswith(("shoulder", "upperarm", "lowerarm")):
        return BodyRegion.ARMS
    if name.startswith(("foot", "toe")):
        return BodyRegion.FEET
    if name.startswith(("upperleg", "lowerleg")):
        return BodyRegion.LEGS
    if name in ("root", "pelvis", "spine05"):
        return BodyRegion.HIPS
    if name.startswith(("spine", "clavicle", "breast")):
        return BodyRegion.TORSO
    raise ValueError(f"no region for bone {bone_label!r}")


def vertex_regions(skinning_weights: torch.Tensor, bone_labels: list[str]) -> torch.Tensor:
    """(V, J) skinning weights -> (V,) int64 `BodyRegion` of each vertex's dominant bone."""
    per_bone = torch.tensor([int(bone_region(b)) for b in bone_labels], dtype=torch.int64)
    dominant = skinning_weights.argmax(dim=1).cpu()  # (V,)
    return per_bone[dominant].to(skinning_weights.device)
