"""The page's routes: files from the package with their types and cache headers, no key needed."""

from __future__ import annotations

import fnmatch
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.config import Settings
from service.http.app import create_app
from service.web.routes import MEDIA_TYPES, load_assets

STATIC_DIR = Path(__file__).resolve().parents[3] / "service" / "web" / "static"
PYPROJECT = STATIC_DIR.parents[2] / "pyproject.toml"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    """An app with API keys and no index: the page's files need neither."""
    settings = Settings(index_dir=tmp_path / "no-index", api_keys=["the-key"])
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.mark.parametrize(
    ("path", "media_type", "file"),
    [
        ("/", "text/html; charset=utf-8", "index.html"),
        ("/read/some-article", "text/html; charset=utf-8", "read.html"),
        ("/static/ask.js", "text/javascript; charset=utf-8", "ask.js"),
        ("/static/style.css", "text/css; charset=utf-8", "style.css"),
        ("/static/favicon.svg", "image/svg+xml", "favicon.svg"),
        ("/favicon.ico", "image/svg+xml", "favicon.svg"),
    ],
)
def test_the_page_and_its_files_load_without_a_key(
    client: TestClient, path: str, media_type: str, file: str
) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == media_type
    assert response.content == (STATIC_DIR / file).read_bytes()
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', response.headers["etag"])


def test_the_page_is_not_rate_limited_but_the_api_is(tmp_path: Path) -> None:
    settings = Settings(index_dir=tmp_path / "no-index", rate_limit_per_minute=2)
    with TestClient(create_app(settings)) as client:
        page_loads = [client.get(path).status_code for path in ["/", "/static/ask.js"] * 5]
        assert page_loads == [200] * 10
        assert [client.get("/info").status_code for _ in range(3)] == [503, 503, 429]


def test_the_api_behind_the_page_still_needs_the_key(client: TestClient) -> None:
    assert client.get("/info").status_code == 401
    assert client.post("/ask", json={"question": "who?"}).status_code == 401
    assert client.get("/docs").status_code == 401


def test_a_file_the_browser_holds_is_revalidated_without_its_body(client: TestClient) -> None:
    etag = client.get("/static/ask.js").headers["etag"]
    for condition in (etag, f'W/{etag}, "other"', "*"):
        response = client.get("/static/ask.js", headers={"If-None-Match": condition})
        assert response.status_code == 304
        assert response.content == b""
        assert response.headers["etag"] == etag
    changed = client.get("/static/ask.js", headers={"If-None-Match": '"an-older-copy"'})
    assert changed.status_code == 200 and changed.content


def test_head_gives_the_headers_without_the_body(client: TestClient) -> None:
    response = client.head("/static/style.css")
    assert response.status_code == 200
    assert response.content == b""
    assert int(response.headers["content-length"]) == (STATIC_DIR / "style.css").stat().st_size


@pytest.mark.parametrize("name", ["nope.js", "..%2Fapp.py", "__init__.py", "index.htm"])
def test_anything_else_under_static_is_a_404_in_the_error_shape(
    client: TestClient, name: str
) -> None:
    response = client.get(f"/static/{name}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_every_file_a_page_names_is_served_and_nothing_comes_from_elsewhere() -> None:
    assets = load_assets()
    checked: set[str] = set()
    assert set(assets) == {p.name for p in STATIC_DIR.iterdir() if p.suffix in MEDIA_TYPES}
    for name, asset in assets.items():
        text = asset.body.decode("utf-8")
        # Scripts and styles import only from this origin; a link to the article's outlet is
        # built from the API's data, never written in the files.
        named = re.findall(r"""(?:src|href)="([^"]+)"|^import [^;]+ from '([^']+)';""", text, re.M)
        for reference in (part for match in named for part in match if part):
            checked.add(reference)
            if reference.startswith("/static/"):
                assert reference.removeprefix("/static/") in assets, (name, reference)
            elif reference.startswith("./"):
                assert reference.removeprefix("./") in assets, (name, reference)
            else:
                assert reference.startswith("/") and not reference.startswith("//"), reference
        external = re.findall(r"\b(?:https?:)?//[\w.-]+\.\w+", text)
        assert set(external) <= {"http://www.w3.org"}, (name, external)  # the SVG namespace
    assert {"/static/ask.js", "/static/read.js", "/static/style.css", "./api.js"} <= checked


def test_the_wheel_carries_every_static_file() -> None:
    package_data = tomllib.loads(PYPROJECT.read_text())["tool"]["setuptools"]["package-data"]
    patterns = package_data["service.web"]
    for path in STATIC_DIR.iterdir():
        relative = f"static/{path.name}"
        assert any(fnmatch.fnmatch(relative, p) for p in patterns), relative
