"""The storefront: the browser app's static files (adapters/http/web), served at `/`.

Only `/` (the app's page) and `/web/...` (its scripts, styles and the vendored 3-D viewer) are
added, so every other path keeps the API's JSON errors. The app is a set of ES modules talking
to the public API; its pages carry a Content-Security-Policy that allows scripts, styles and
connections from this origin only (plus the API's public URL for signed file links).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI
from fastapi.responses import FileResponse
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

WEB_DIR = Path(__file__).parent / "web"
MODEL_VIEWER_STYLE = "sha256-PXtZZkJMMyc18o/DN1ZEFOJ2qEGq95IQbVaJFMOXOb0="


def content_security_policy(public_url: str) -> str:
    parts = urlsplit(public_url)
    public = f" {parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
    # 'wasm-unsafe-eval' lets the 3-D viewer compile its WebAssembly decoders (no JS eval);
    # the one inline style <model-viewer> 4.4.0 sets on itself is allowed by its hash only.
    return ("default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; "
            f"style-src 'self' 'unsafe-hashes' '{MODEL_VIEWER_STYLE}'; "
            f"img-src 'self' data: blob:{public}; connect-src 'self'{public}; "
            f"media-src 'self' blob:{public}; worker-src 'self' blob:; font-src 'self'; "
            "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def _page_headers(csp: str) -> dict[str, str]:
    return {"Content-Security-Policy": csp, "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY",
            "Cache-Control": "no-cache"}


class _AppFiles(StaticFiles):
    """Static files with the app's security headers; revalidated on each load (no-cache)."""

    def __init__(self, csp: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.headers = _page_headers(csp)

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers.update(self.headers)
        return response


def mount(app: FastAPI, public_url: str) -> None:
    csp = content_security_policy(public_url)
    index = WEB_DIR / "index.html"

    @app.get("/", include_in_schema=False)
    def storefront() -> FileResponse:
        return FileResponse(index, media_type="text/html", headers=_page_headers(csp))

    app.mount("/web", _AppFiles(csp, directory=WEB_DIR), name="web")
