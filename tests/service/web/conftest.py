"""A real index of corpus/, the app over it, and a headless Chromium driven by Playwright.

The browser is the system's Chromium (Debian's `chromium`, installed by `make browser`);
Playwright only drives it and never downloads one. Where either is missing, the browser tests
skip with the reason. Every page's console errors and uncaught exceptions fail its test, unless
the test names the ones it expects (`console.expect`).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from indexer.embedding.transformer import SentenceTransformerEmbedder
from service.config import Settings
from service.engine import QAEngine

REPO_ROOT = Path(__file__).resolve().parents[3]
SCREENSHOTS = REPO_ROOT / "docs" / "screenshots"
DESKTOP = {"width": 1000, "height": 820}
PHONE = {"width": 375, "height": 740}
SEED_QUESTION = "who leads Superintelligence Labs?"
SEED_ANSWER = "Alexandr Wang"


# The names `make browser` looks for too; Debian's package first.
BROWSERS = ("chromium", "chromium-browser", "google-chrome-stable", "google-chrome")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    for name in BROWSERS:
        path = shutil.which(name)
        if path is not None:
            return path
    pytest.skip(f"no Chromium on PATH ({', '.join(BROWSERS)}): `make browser` installs one")


# Package scope, not session: Playwright's sync API runs an event loop on this thread while it
# is open, and tests after these ones start loops of their own (asyncio.run) on the same thread.
@pytest.fixture(scope="package")
def browser(chromium_path: str) -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def corpus_index(
    tmp_path_factory: pytest.TempPathFactory, embedder: SentenceTransformerEmbedder
) -> Path:
    """corpus/ (the project's own briefs, two outlets) indexed as `newsqa index build` does."""
    from indexer.config import IndexConfig
    from indexer.pipeline.run import build_index

    index_dir = tmp_path_factory.mktemp("web") / "index"
    build_index([REPO_ROOT / "corpus"], index_dir, IndexConfig(), embedder=embedder, progress=False)
    return index_dir


@pytest.fixture(scope="session")
def corpus_engine(corpus_index: Path, embedder: SentenceTransformerEmbedder) -> Iterator[QAEngine]:
    """One engine (and loaded reader) shared by the modules' servers; each app warms it up."""
    engine = QAEngine(Settings(index_dir=corpus_index), embedder=embedder)
    yield engine
    engine.close()


@dataclass
class ConsoleLog:
    """Console errors and warnings and uncaught exceptions of every page a test opened."""

    messages: list[str] = field(default_factory=list)
    expected: list[str] = field(default_factory=list)

    def expect(self, fragment: str) -> None:
        """Messages holding `fragment` are part of the test (a refused request logs one)."""
        self.expected.append(fragment)

    def unexpected(self) -> list[str]:
        return [m for m in self.messages if not any(f in m for f in self.expected)]


@pytest.fixture
def console() -> ConsoleLog:
    return ConsoleLog()


NewPage = Callable[..., Any]


@pytest.fixture
def new_page(browser: Any, console: ConsoleLog) -> Iterator[NewPage]:
    """Opens a page in a fresh browser context (its own tab storage); `viewport=PHONE` etc."""
    contexts: list[Any] = []

    def open_page(**options: Any) -> Any:
        context = browser.new_context(
            **{"viewport": DESKTOP, "locale": "en-US", "timezone_id": "UTC", **options}
        )
        context.set_default_timeout(15_000)
        context.on("console", lambda m: _log_console(console, m))
        context.on("weberror", lambda e: console.messages.append(f"pageerror: {e.error}"))
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()
    assert console.unexpected() == []


def _log_console(log: ConsoleLog, message: Any) -> None:
    if message.type in ("error", "warning"):
        log.messages.append(f"{message.type}: {message.text}")
