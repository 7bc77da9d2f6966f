"""Measurements -> body: fit anny's phenotype to a person's measurements.

The unknowns are the six phenotype values (gender, age, muscle, weight, height, proportions),
each kept in its range by projection after every step. The loss is the squared error of our
own measures (`measures.body_measures`) against the given targets, each scaled by the
tolerance it is measured to, plus a weak pull towards the prior phenotype that gender and
body type give (it only decides among bodies that match the measurements equally well).

The solver is Levenberg-Marquardt, Jacobians by batched forward differences (`_jacobian`):
with 6 unknowns and at most 14 residuals it converges in 5-15 steps. Adam with autograd
gradients needed hundreds of steps and still left centimetres of error (anny interpolates
its phenotypes piecewise linearly and the kinks make Adam oscillate); reverse-mode
Jacobians cost 15x the forward differences here.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch

from render_engine.body.fitted import FittedBody, build_body
from render_engine.body.measures import MEASUREMENT_KEYS, body_measures
from render_engine.body.model import PHENOTYPE_LABELS, phenotype_tensor, rest_shape
from render_engine.errors import InvalidRequest

GENDERS = ("male", "female", "non_binary", "prefer_not_to_say")
BODY_TYPES = ("slim", "athletic", "curvy", "plus_size")

#: Start of every fit: an adult of average build ("age" 2/3 is anny's "young" adult anchor;
#: anny's own default 0.5 lies between its child and young adult anchors).
DEFAULT_PHENOTYPE: dict[str, float] = {
    "gender": 0.5,
    "age": 2.0 / 3.0,
    "muscle": 0.5,
    "weight": 0.5,
    "height": 0.5,
    "proportions": 0.5,
}
#: Range kept for each phenotype value during the fit (adults only).
PHENOTYPE_BOUNDS: dict[str, tuple[float, float]] = {
    "gender": (0.0, 1.0),  # 0 male, 1 female
    # anny's age anchors: 1/3 child, 2/3 young adult, 1 old. Adults only: the interpolation
    # is linear on [2/3, 1], while the kink at 2/3 towards the child shape (much shorter)
    # would derail the Gauss-Newton steps.
    "age": (2.0 / 3.0, 1.0),
    "muscle": (0.0, 1.0),
    "weight": (0.0, 1.0),
    "height": (0.0, 1.0),
    "proportions": (0.0, 1.0),
}
GENDER_PRIOR = {"male": {"gender": 0.0}, "female": {"gender": 1.0}}
BODY_TYPE_PRIOR = {
    "slim": {"weight": 0.2, "muscle": 0.4},
    "athletic": {"muscle": 0.85, "weight": 0.45},
    "curvy": {"weight": 0.65, "proportions": 0.3},
    "plus_size": {"weight": 0.9, "muscle": 0.4},
}
#: Error (metres, kg for weight) that costs as much as one unit of loss.
TOLERANCE = {
    "height": 0.002,
    "weight": 1.0,
    "chest": 0.005,
    "waist": 0.005,
    "hips": 0.005,
    "shoulderWidth": 0.01,
    "armLength": 0.01,
    "legLength": 0.01,
}
PRIOR_WEIGHT = 0.005
FD_STEP = 1e-5
#: Mean loss per target under which a fit is not restarted (0.5 tolerance on each).
GOOD_ENOUGH = 0.25
RESTARTS = (
    {"gender": 0.1},
    {"gender": 0.9},
    {"gender": 0.1, "weight": 0.2, "muscle": 0.8},
    {"gender": 0.9, "weight": 0.8, "muscle": 0.2},
)
#: Accepted input ranges (cm, kg); height and weight as the spec's ScanRequest.
RANGES = {
    "height": (100.0, 250.0),
    "weight": (30.0, 300.0),
    "chest": (50.0, 200.0),
    "waist": (40.0, 200.0),
    "hips": (50.0, 200.0),
    "shoulderWidth": (20.0, 70.0),
    "armLength": (30.0, 100.0),
    "legLength": (40.0, 130.0),
}


@dataclass(frozen=True)
class Measurements:
    """A person's measurements in cm and kg; all optional but height.

    legLength is the inseam (crotch to floor); armLength runs from the shoulder point over
    the elbow to the wrist; shoulderWidth is between the two shoulder points (acromions).
    """

    height: float
    weight: float | None = None
    chest: float | None = None
    waist: float | None = None
    hips: float | None = None
    shoulderWidth: float | None = None
    armLength: float | None = None
    legLength: float | None = None

    def __post_init__(self) -> None:
        for key, value in asdict(self).items():
            if value is None:
                continue
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or not math.isfinite(value)
            ):
                raise InvalidRequest(f"measurement {key} must be a number", "INVALID_MEASUREMENTS")
            lo, hi = RANGES[key]
            if not lo <= value <= hi:
                raise InvalidRequest(
                    f"measurement {key}={value} outside [{lo}, {hi}]", "INVALID_MEASUREMENTS"
                )

    @classmethod
    def from_dict(cls, values: dict[str, float | None]) -> Measurements:
        unknown = set(values) - set(MEASUREMENT_KEYS)
        if unknown:
            raise InvalidRequest(f"unknown measurements {sorted(unknown)}", "INVALID_MEASUREMENTS")
        if values.get("height") is None:
            raise InvalidRequest("height is required", "INVALID_MEASUREMENTS")
        return cls(**values)  # type: ignore[arg-type]

    def targets(self) -> dict[str, float]:
        """The given measures in metres (weight in kg), keyed like `body_measures`."""
        return {
            key: (value if key == "weight" else value / 100.0)
            for key, value in asdict(self).items()
            if value is not None
        }


def prior_phenotype(gender: str | None = None, body_type: str | None = None) -> dict[str, float]:
    """The phenotype a fit starts from and is weakly pulled towards."""
    if gender is not None and gender not in GENDERS:
        raise InvalidRequest(f"gender must be one of {GENDERS}", "INVALID_GENDER")
    if body_type is not None and body_type not in BODY_TYPES:
        raise InvalidRequest(f"bodyType must be one of {BODY_TYPES}", "INVALID_BODY_TYPE")
    prior = dict(DEFAULT_PHENOTYPE)
    prior.update(GENDER_PRIOR.get(gender or "", {}))
    prior.update(BODY_TYPE_PRIOR.get(body_type or "", {}))
    return prior


def fit_loss(measures: dict[str, torch.Tensor], targets: dict[str, float]) -> torch.Tensor:
    """Sum over the given targets of ((measure - target) / tolerance)^2, (B,) measures -> (B,)."""
    terms = [((measures[k] - t) / TOLERANCE[k]) ** 2 for k, t in targets.items()]
    return torch.stack(terms).sum(dim=0)


def _residuals(
    params: torch.Tensor, targets: dict[str, float], prior: torch.Tensor
) -> torch.Tensor:
    """(B, 6) phenotypes -> (B, T + 6) residuals: scaled measure errors, then the prior pull."""
    verts, heads = rest_shape(params)
    measures = body_measures(verts, heads)
    errors = [(measures[k] - t) / TOLERANCE[k] for k, t in targets.items()]  # T x (B,)
    pull = math.sqrt(PRIOR_WEIGHT) * (params - prior) / 0.1  # (B, 6)
    return torch.cat([torch.stack(errors, dim=1), pull], dim=1)


def _jacobian(
    params: torch.Tensor, targets: dict[str, float], prior: torch.Tensor, hi: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Residuals (R,) and their Jacobian (R, 6) at `params` (1, 6).

    Forward differences, all seven bodies in one batched evaluation, each step taken towards
    the inside of the bounds. (Reverse-mode autograd gives the same Jacobian to 1e-12 but
    costs about 15x more here: each residual's backward pass scatters into a dense (V, 3)
    gradient.)
    """
    n = params.shape[1]
    step = torch.full((n,), FD_STEP, dtype=params.dtype)
    step = torch.where(params[0] + step > hi[0], -step, step)  # (6,)
    batch = torch.cat([params, params + torch.diag(step)])  # (7, 6)
    with torch.no_grad():
        r = _residuals(batch, targets, prior)  # (7, R)
    return r[0], ((r[1:] - r[0]) / step[:, None]).T


def fit_phenotype(
    targets: dict[str, float],
    start: dict[str, float],
    prior: dict[str, float] | None = None,
    steps: int = 30,
    tolerance: float = 1e-6,
) -> dict[str, float]:
    """Projected Levenberg-Marquardt on the phenotype.

    targets: measures in metres / kg keyed like `body_measures`. Each step solves
    (J^T J + damping * diag(J^T J)) delta = -J^T r for the (T + 6,) residuals r (see
    `_residuals`) over the values not pinned on a bound, clamps the result into
    `PHENOTYPE_BOUNDS`, and keeps it only if the loss |r|^2 drops (else the damping grows
    tenfold). Stops after `steps` Jacobians or when the relative decrease falls below
    `tolerance`.
    """
    prior_t = phenotype_tensor(prior if prior is not None else start)  # (1, 6)
    lo = torch.tensor([[PHENOTYPE_BOUNDS[k][0] for k in PHENOTYPE_LABELS]], dtype=prior_t.dtype)
    hi = torch.tensor([[PHENOTYPE_BOUNDS[k][1] for k in PHENOTYPE_LABELS]], dtype=prior_t.dtype)
    params = phenotype_tensor(start).clamp(lo, hi)  # (1, 6)
    damping = 1e-3
    eye = torch.eye(params.shape[1], dtype=params.dtype)
    for _ in range(steps):
        r, jac = _jacobian(params, targets, prior_t, hi)  # (R,), (R, 6)
        loss = float((r**2).sum())
        jtj, jtr = jac.T @ jac, jac.T @ r  # (6, 6), (6,)
        # active set: a value on a bound whose gradient pushes it outwards stays there
        pinned = ((params[0] <= lo[0]) & (jtr > 0)) | ((params[0] >= hi[0]) & (jtr < 0))
        free = (~pinned).to(r.dtype)
        jtj = jtj * free[:, None] * free[None, :] + torch.diag(1.0 - free)
        jtr = jtr * free
        while damping < 1e8:
            a = jtj + damping * (torch.diag(torch.diag(jtj)) + 1e-9 * eye)
            delta = torch.linalg.solve(a, -jtr)
            candidate = torch.maximum(torch.minimum(params + delta[None], hi), lo)
            with torch.no_grad():
                new_loss = float((_residuals(candidate, targets, prior_t) ** 2).sum())
            if new_loss < loss:
                break
            damping *= 10.0
        else:
            break  # no step decreases the loss: converged
        params = candidate
        damping = max(damping / 10.0, 1e-7)
        if loss - new_loss < tolerance * max(loss, 1.0):
            break
    return {k: float(params[0, i]) for i, k in enumerate(PHENOTYPE_LABELS)}


def measure_error(phenotype: dict[str, float], targets: dict[str, float]) -> float:
    """Loss of the measures alone (no prior): sum of ((measure - target) / tolerance)^2."""
    with torch.no_grad():
        verts, heads = rest_shape(phenotype_tensor(phenotype))
        return float(fit_loss(body_measures(verts, heads), targets)[0])


def fit_measurements(
    measurements: Measurements | dict[str, float],
    gender: str | None = None,
    body_type: str | None = None,
    steps: int = 30,
) -> FittedBody:
    """The anny body whose measures match `measurements` best (see module docstring)."""
    if isinstance(measurements, dict):
        measurements = Measurements.from_dict(dict(measurements))
    prior = prior_phenotype(gender, body_type)
    targets = measurements.targets()
    phenotype = fit_phenotype(targets, start=prior, prior=prior, steps=steps)
    error = measure_error(phenotype, targets)
    # LM can stop in a local minimum (mostly the wrong side of the gender axis): restart
    # from a few other starts, kept only if they match the measurements better.
    for start in RESTARTS:
        if error <= GOOD_ENOUGH * len(targets):
            break
        if gender in GENDER_PRIOR and "gender" in start:
            continue
        candidate = fit_phenotype(targets, start={**prior, **start}, prior=prior, steps=steps)
        candidate_error = measure_error(candidate, targets)
        if candidate_error < error:
            phenotype, error = candidate, candidate_error
    body = build_body(phenotype)
    body.extras["targets"] = {k: v for k, v in asdict(measurements).items() if v is not None}
    return body
