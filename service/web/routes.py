"""Serves the page at `/`, the article view at `/read/{id}` and their static files.

The files are plain HTML, CSS and JavaScript modules shipped inside the package (no build step,
nothing fetched from elsewhere), read once when the app is made. Their names carry no version,
so every response says `no-cache`: the browser keeps its copy and revalidates it with the ETag
(a 304 without a body) on each load, and a new release is never shadowed by a stale file.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources
from pathlib import PurePosixPath

from fastapi import APIRouter, HTTPException, Request, Response

from service.http.security import OpenPaths

# By file suffix; JavaScript's type per RFC 9239. A suffix not listed here is not served.
MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}
# Everything from this origin only: the page can neither load nor send anything elsewhere.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
_HEADERS = {
    "Cache-Control": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    # The back link reads the page's own address from document.referrer; outlets get nothing.
    "Referrer-Policy": "same-origin",
}
# The page's own paths: they load without an API key (the page asks for one when needed) and
# outside the rate limit (bytes in memory).
PAGE = OpenPaths(frozenset({"/", "/favicon.ico"}), prefixes=("/static/", "/read/"))


@dataclass(frozen=True)
class Asset:
    body: bytes
    media_type: str
    etag: str  # quoted, strong


def load_assets() -> dict[str, Asset]:
    """Every servable file of service/web/static, by name."""
    assets = {}
    for entry in (resources.files("service.web") / "static").iterdir():
        suffix = PurePosixPath(entry.name).suffix
        if entry.is_file() and suffix in MEDIA_TYPES:
            body = entry.read_bytes()
            etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
            assets[entry.name] = Asset(body, MEDIA_TYPES[suffix], etag)
    return assets


def _serve(asset: Asset, request: Request) -> Response:
    headers = {**_HEADERS, "ETag": asset.etag}
    tags = _etags(request.headers.get("if-none-match", ""))
    if asset.etag in tags or "*" in tags:
        return Response(status_code=304, headers=headers)
    body = b"" if request.method == "HEAD" else asset.body
    headers["Content-Length"] = str(len(asset.body))
    return Response(body, media_type=asset.media_type, headers=headers)


def _etags(header: str) -> set[str]:
    return {tag.strip().removeprefix("W/") for tag in header.split(",")}


def web_router() -> APIRouter:
    """The page's routes, with its files read now (kept out of the OpenAPI schema)."""
    assets = load_assets()
    router = APIRouter(include_in_schema=False)

    @router.api_route("/", methods=["GET", "HEAD"])
    async def ask_page(request: Request) -> Response:
        return _serve(assets["index.html"], request)

    @router.api_route("/read/{article_id}", methods=["GET", "HEAD"])
    async def read_page(article_id: str, request: Request) -> Response:
        return _serve(assets["read.html"], request)  # read.js fetches /articles/{id}

    # Browsers ask for /favicon.ico where a document names no icon (an image opened alone).
    @router.api_route("/favicon.ico", methods=["GET", "HEAD"])
    async def favicon(request: Request) -> Response:
        return _serve(assets["favicon.svg"], request)

    @router.api_route("/static/{name}", methods=["GET", "HEAD"])
    async def static_file(name: str, request: Request) -> Response:
        asset = assets.get(name)
        if asset is None:
            raise HTTPException(404, f"no static file named {name!r}")
        return _serve(asset, request)

    return router
