"""An installed tryon serves the storefront: its static files are package data."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_storefront_file_is_built_into_the_package(tmp_path: Path) -> None:
    web = ROOT / "adapters" / "http" / "web"
    shipped = {p.relative_to(web) for p in web.rglob("*") if p.is_file()}
    assert Path("index.html") in shipped and Path("vendor/model-viewer/LICENSE") in shipped
    done = subprocess.run(
        [sys.executable, "-c", "import sys; from setuptools import setup; "
         "sys.argv = ['setup.py', '-q', 'build_py', '-d', sys.argv[1]]; setup()",
         str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    built = tmp_path / "adapters" / "http" / "web"
    assert {p.relative_to(built) for p in built.rglob("*") if p.is_file()} == shipped
