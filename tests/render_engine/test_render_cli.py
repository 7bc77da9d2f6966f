"""The render engine's CLI mounts on argparse and turns bad requests into clear errors."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from render_engine.cli import add_render_engine_commands, main, render_spec_from_args
from render_engine.errors import InvalidRequest


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="tryon")
    add_render_engine_commands(p.add_subparsers(dest="command", required=True))
    return p


def test_avatar_and_render_commands_mount_on_a_parser() -> None:
    args = parser().parse_args(
        [
            "render",
            "--height",
            "170",
            "--category",
            "tops",
            "--angle",
            "side",
            "--zoom",
            "1.5",
            "--background",
            "#102030",
            "--format",
            "webp",
        ]
    )
    spec = render_spec_from_args(args)
    assert spec.camera.angle == "side" and spec.camera.zoom == 1.5
    assert spec.output.background == "custom" and spec.output.background_color == "#102030"
    assert spec.output.format == "webp"
    assert callable(args.func)
    avatar = parser().parse_args(["avatar", "--height", "170", "--photo", "front=f.jpg"])
    assert avatar.photo == ["front=f.jpg"] and callable(avatar.func)


def test_out_of_range_values_are_typed_errors() -> None:
    args = parser().parse_args(["render", "--height", "170", "--zoom", "5"])
    with pytest.raises(InvalidRequest):
        render_spec_from_args(args)


def test_a_bad_request_exits_with_status_2_and_a_message(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code = main(
        ["render", "--height", "170", "--zoom", "5", "--quiet", "--out", str(tmp_path / "x.png")]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "INVALID_REQUEST" in err and "camera.zoom" in err
    assert not (tmp_path / "x.png").exists()


def test_render_without_a_body_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code = main(["render", "--quiet", "--out", str(tmp_path / "x.png")])
    assert code == 2
    assert "--height" in capsys.readouterr().err


def test_a_posed_body_keeps_what_the_garment_module_needs() -> None:
    from render_engine.body import build_body
    from render_engine.cli import pose_figure
    from render_engine.garment import as_garment_body

    body = build_body({})
    posed = pose_figure(body, "t_pose", {})
    assert not posed.mesh.verts.equal(body.mesh.verts)  # the mesh moved
    assert posed.skeleton is body.skeleton
    garment_body = as_garment_body(posed)  # raises INVALID_BODY without skinning weights
    assert garment_body.verts.shape[0] == body.mesh.num_verts


def test_a_missing_photo_is_reported_not_raised(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code = main(
        [
            "avatar",
            "--height",
            "170",
            "--photo",
            f"front={tmp_path / 'none.jpg'}",
            "--quiet",
            "--out",
            str(tmp_path / "avatar"),
        ]
    )
    assert code == 2
    assert "not found" in capsys.readouterr().err
    assert not (tmp_path / "avatar" / "avatar.glb").exists()
