"""Size-guide arithmetic: ease, fit per region, size order and the recommended size."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from render_engine.errors import InvalidRequest
from render_engine.garment.color import parse_color_hex
from render_engine.garment.sizing import (
    BAND_CM,
    FIT_RANK,
    FIT_STYLES,
    TARGET_EASE_CM,
    classify,
    fit_report,
    ordered_sizes,
    recommend_size,
)

BODY = {
    "chest": 92.0,
    "waist": 76.0,
    "hips": 98.0,
    "shoulderWidth": 40.0,
    "armLength": 60.0,
    "legLength": 80.0,
    "height": 170.0,
}
GUIDE = {
    "S": {"chest": 92, "waist": 76, "hips": 96, "shoulder": 40, "sleeve": 60, "length": 68},
    "M": {"chest": 102, "waist": 84, "hips": 104, "shoulder": 42, "sleeve": 62, "length": 70},
    "L": {"chest": 112, "waist": 94, "hips": 114, "shoulder": 45, "sleeve": 64, "length": 72},
}


def test_fit_report_gives_the_ease_as_garment_minus_body_per_judged_region() -> None:
    report = fit_report(BODY, GUIDE, "M", "regular")
    assert report["chest"]["easeCm"] == pytest.approx(10.0)
    assert report["waist"]["easeCm"] == pytest.approx(8.0)
    assert report["hips"]["easeCm"] == pytest.approx(6.0)
    assert report["shoulder"]["easeCm"] == pytest.approx(2.0)
    assert report["sleeve"]["easeCm"] == pytest.approx(2.0)
    assert "length" not in report  # no body counterpart: shapes the garment, not judged
    assert {r["fit"] for r in report.values()} == {"regular"}


def test_fit_report_calls_a_garment_smaller_than_the_body_tight_and_a_huge_one_loose() -> None:
    assert fit_report(BODY, GUIDE, "S", "regular")["chest"]["fit"] == "tight"  # 0 cm ease
    assert fit_report(BODY, GUIDE, "L", "slim")["chest"]["fit"] == "loose"  # 20 cm, slim wants 4
    assert fit_report(BODY, GUIDE, "L", "relaxed")["chest"]["fit"] == "regular"
    assert fit_report(BODY, GUIDE, "L", "oversized")["chest"]["fit"] == "tight"  # wants 26 cm


def test_fit_report_skips_regions_the_body_has_no_measure_for() -> None:
    assert fit_report({"chest": 92.0}, GUIDE, "M") == {"chest": {"fit": "regular", "easeCm": 10.0}}


def test_recommend_size_picks_the_size_closest_to_the_fit_style_without_a_tight_region() -> None:
    assert recommend_size(BODY, GUIDE, "regular") == "M"
    assert recommend_size(BODY, GUIDE, "relaxed") == "L"
    assert recommend_size(BODY, GUIDE, "oversized") is None  # even L is tighter than designed


def test_recommend_size_returns_none_when_every_size_is_tight_somewhere() -> None:
    big = {k: v * 1.5 for k, v in BODY.items()}
    assert recommend_size(big, GUIDE, "regular") is None


def test_recommended_size_has_no_tight_region() -> None:
    for fit in FIT_STYLES:
        size = recommend_size(BODY, GUIDE, fit)
        if size is not None:
            assert all(r["fit"] != "tight" for r in fit_report(BODY, GUIDE, size, fit).values())


def test_letter_and_numeric_sizes_are_ordered_by_size_and_other_labels_keep_the_guide_order(
    
) -> None:
    assert ordered_sizes(dict.fromkeys(["XL", "S", "2XL", "M", "XS", "L", "XXS"], {})) == [
        "XXS",
        "XS",
        "S",
        "M",
        "L",
        "XL",
        "2XL",
    ]
    assert ordered_sizes(dict.fromkeys(["40", "36", "38"], {})) == ["36", "38", "40"]
    assert ordered_sizes(dict.fromkeys(["petite", "tall"], {})) == ["petite", "tall"]


@pytest.mark.parametrize(
    "bad_call",
    [
        lambda: fit_report(BODY, GUIDE, "XXL", "regular"),
        lambda: fit_report(BODY, GUIDE, "M", "baggy"),
        lambda: fit_report(BODY, {}, "M", "regular"),
        lambda: fit_report(BODY, {"M": {"chest": "wide"}}, "M", "regular"),  # type: ignore[dict-item]  # bad on purpose
        lambda: fit_report(BODY, {"M": {"chest": -3}}, "M", "regular"),
        lambda: recommend_size(BODY, GUIDE, "tight"),
    ],
)
def test_bad_size_guide_requests_raise_invalid_request(bad_call: Callable[[], object]) -> None:
    with pytest.raises(InvalidRequest):
        bad_call()


def test_colour_hex_parses_long_and_short_forms_and_rejects_anything_else() -> None:
    assert parse_color_hex("#FF8000").tolist() == pytest.approx([1.0, 128 / 255, 0.0])
    assert parse_color_hex("fff").tolist() == pytest.approx([1.0, 1.0, 1.0])
    for bad in ["#12345", "red", "#GGGGGG", "", None, 0xFFFFFF]:
        with pytest.raises(InvalidRequest) as info:
            parse_color_hex(bad)  # type: ignore[arg-type]  # bad values on purpose
        assert info.value.code == "INVALID_COLOR"


def test_classification_is_regular_exactly_within_the_band_around_the_fit_target() -> None:
    for fit in FIT_STYLES:
        for key, band in BAND_CM.items():
            target = TARGET_EASE_CM[fit][key]
            assert classify(key, target, fit) == "regular"
            assert classify(key, target + band + 0.01, fit) == "loose"
            assert classify(key, target - band - 0.01, fit) == "tight"


_KEYS = ["chest", "waist", "hips", "shoulder", "sleeve", "inseam"]


@st.composite
def monotone_guides(draw: st.DrawFn) -> dict[str, dict[str, float]]:
    """Size guides whose measures never shrink from one size to the next (the guide's order)."""
    n_sizes = draw(st.integers(2, 6))
    keys = draw(st.lists(st.sampled_from(_KEYS), min_size=1, max_size=6, unique=True))
    guide: dict[str, dict[str, float]] = {f"size{i}": {} for i in range(n_sizes)}
    for key in keys:
        value = draw(st.floats(20.0, 140.0))
        for i in range(n_sizes):
            guide[f"size{i}"][key] = value
            value += draw(st.floats(0.0, 8.0))
    return guide


@settings(max_examples=200, deadline=None)
@given(
    guide=monotone_guides(),
    fit=st.sampled_from(FIT_STYLES),
    body=st.fixed_dictionaries(
        {
            k: st.floats(20.0, 140.0)
            for k in ["chest", "waist", "hips", "shoulderWidth", "armLength", "legLength"]
        }
    ),
)
def test_a_smaller_size_is_never_looser_than_a_larger_one(
    guide: dict[str, dict[str, float]], fit: str, body: dict[str, float]
) -> None:
    sizes = ordered_sizes(guide)
    reports = [fit_report(body, guide, s, fit) for s in sizes]
    for smaller, larger in zip(reports[:-1], reports[1:], strict=True):
        assert smaller.keys() == larger.keys()
        for region in smaller:
            ease = cast(float, smaller[region]["easeCm"]), cast(float, larger[region]["easeCm"])
            assert ease[0] <= ease[1]
            fits = cast(str, smaller[region]["fit"]), cast(str, larger[region]["fit"])
            assert FIT_RANK[fits[0]] <= FIT_RANK[fits[1]]
    best = recommend_size(body, guide, fit)
    if best is not None:
        # every smaller size than the recommended one is tight somewhere or further from target
        assert all(r["fit"] != "tight" for r in fit_report(body, guide, best, fit).values())
