"""Our differentiable body measures: the hull perimeter against a slow exact reference, the
slicing on simple shapes, and the measures of anny bodies."""

from __future__ import annotations

import math

import pytest
import torch

torch.set_num_threads(2)

from render_engine.body.measures import (  # noqa: E402
    MEASUREMENT_KEYS,
    body_measures,
    circumference_at,
    cross_section,
    hull_perimeter,
    landmarks,
    to_report,
)
from render_engine.body.model import anny_model, phenotype_tensor, rest_shape  # noqa: E402


def exact_hull_perimeter(points: list[tuple[float, float]]) -> float:
    """Slow reference: Andrew's monotone chain, then the polygon's perimeter."""
    pts = sorted(set(points))

    def cross(o: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[tuple[float, float]] = []
    upper: list[tuple[float, float]] = []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    hull = lower[:-1] + upper[:-1]
    return sum(math.dist(hull[i], hull[(i + 1) % len(hull)]) for i in range(len(hull)))


@pytest.mark.parametrize("seed", range(5))
def test_hull_perimeter_matches_the_exact_convex_hull_of_random_points(seed: int) -> None:
    g = torch.Generator().manual_seed(seed)
    points = torch.randn(200, 2, generator=g, dtype=torch.float64) * torch.tensor(
        [0.15, 0.1], dtype=torch.float64
    )
    exact = exact_hull_perimeter([tuple(p) for p in points.tolist()])
    assert float(hull_perimeter(points)) == pytest.approx(exact, rel=2e-4)


def test_hull_perimeter_of_a_body_cross_section_matches_the_exact_hull() -> None:
    verts, _ = rest_shape(phenotype_tensor({"age": 2 / 3}))
    level = verts[0, landmarks().waist_ring, 1].mean()
    points = cross_section(verts[0], landmarks().trunk_edges, level)
    exact = exact_hull_perimeter([tuple(p) for p in points.tolist()])
    assert float(hull_perimeter(points)) == pytest.approx(exact, rel=1e-4)


def test_circumference_of_a_slice_through_a_cylinder_is_two_pi_r() -> None:
    # a closed prism with 64 sides, radius 0.15, from y=0 to y=1
    n, r = 64, 0.15
    angles = torch.arange(n, dtype=torch.float64) * (2 * math.pi / n)
    ring = torch.stack(
        [r * torch.cos(angles), torch.zeros(n, dtype=torch.float64), r * torch.sin(angles)], 1
    )
    verts = torch.cat([ring, ring + torch.tensor([0.0, 1.0, 0.0], dtype=torch.float64)])
    edges = torch.cat(
        [
            torch.stack([torch.arange(n), torch.arange(n) + n], 1),
            torch.stack([torch.arange(n), (torch.arange(n) + 1) % n + n], 1),
        ]
    )
    polygon = 2 * n * r * math.sin(math.pi / n)
    got = circumference_at(verts, torch.tensor(0.37, dtype=torch.float64), edges)
    assert float(got) == pytest.approx(polygon, rel=1e-4)
    assert float(circumference_at(verts, torch.tensor(1.5, dtype=torch.float64), edges)) == 0.0


def test_measures_of_an_adult_body_are_anatomically_plausible() -> None:
    verts, heads = rest_shape(phenotype_tensor({"age": 2 / 3, "gender": 0.0}))
    m = to_report(body_measures(verts, heads))
    assert set(m) == set(MEASUREMENT_KEYS)
    assert 160 < m["height"] < 200
    assert 50 < m["weight"] < 110
    assert m["waist"] < m["chest"] and m["waist"] < m["hips"]
    assert 30 < m["shoulderWidth"] < 50
    assert 0.28 * m["height"] < m["armLength"] < 0.40 * m["height"]
    assert 0.40 * m["height"] < m["legLength"] < 0.52 * m["height"]


def test_height_and_weight_agree_with_anny_anthropometry() -> None:
    import anny

    model = anny_model()
    phen = phenotype_tensor({"age": 0.8, "weight": 0.7, "height": 0.3})
    out = model(phenotype_kwargs=phen)
    reference = anny.Anthropometry(model)(out["rest_vertices"])
    verts, heads = rest_shape(phen)
    ours = body_measures(verts, heads)
    assert float(ours["height"]) == pytest.approx(float(reference["height"]), abs=1e-9)
    assert float(ours["weight"]) == pytest.approx(float(reference["mass"]), rel=1e-9)
    # anny's waist is a vertex loop along the skin; our tape spans its convex hull
    assert float(ours["waist"]) == pytest.approx(float(reference["waist_circumference"]), rel=0.08)


def test_every_measure_has_a_gradient_with_respect_to_the_phenotype() -> None:
    phen = phenotype_tensor({"age": 2 / 3}).requires_grad_(True)
    verts, heads = rest_shape(phen)
    measures = body_measures(verts, heads)
    for key in MEASUREMENT_KEYS:
        (grad,) = torch.autograd.grad(measures[key].sum(), phen, retain_graph=True)
        assert torch.isfinite(grad).all() and grad.abs().sum() > 0, key


def test_a_heavier_phenotype_has_larger_girths_and_weight() -> None:
    light = to_report(body_measures(*rest_shape(phenotype_tensor({"age": 2 / 3, "weight": 0.2}))))
    heavy = to_report(body_measures(*rest_shape(phenotype_tensor({"age": 2 / 3, "weight": 0.9}))))
    for key in ("weight", "chest", "waist", "hips"):
        assert heavy[key] > light[key], key
