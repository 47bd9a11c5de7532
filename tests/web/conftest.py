"""Browser tests: Debian's Chromium driven by Playwright against a live server.

Chromium comes from the system (``/usr/bin/chromium``, installed by scripts/test);
Playwright never downloads a browser. Without Chromium the tests are skipped with a
reason, except under ``CI=true``, where that is a failure.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from sigmasight.api.app import create_app
from sigmasight.config import Settings
from sigmasight.reports.tearsheet import CHROMIUM_ARGS as PDF_CHROMIUM_ARGS
from sigmasight.services.worker import work
from sigmasight.storage.db import make_engine, make_session_factory
from sigmasight.storage.uow import UnitOfWork
from tests._ci import unavailable
from tests.api.conftest import TEST_SECRET
from tests.api.conftest import sqlite_api_url as sqlite_api_url  # the shared demo DB

CHROMIUM = Path(os.environ.get("SIGMASIGHT_CHROMIUM", "/usr/bin/chromium"))
#: The flags the PDF tearsheet launches Chromium with: the tests drive the same browser.
CHROMIUM_ARGS = list(PDF_CHROMIUM_ARGS)


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder screenshots go to: a temporary one, so a test run never rewrites
    tracked files, unless SIGMASIGHT_SCREENSHOTS names another (``scripts/screenshots``
    points it at docs/screenshots, the README's)."""
    chosen = os.environ.get("SIGMASIGHT_SCREENSHOTS")
    folder = Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def live_server(sqlite_api_url: str) -> Iterator[str]:
    """The app (API and dashboard) on a loopback port, over the shared demo database."""
    settings = Settings(database_url=sqlite_api_url, environment="test", jwt_secret=TEST_SECRET)  # type: ignore[call-arg]
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    # The batch worker `serve` starts beside the app: runs the pages queue are done by it.
    stop = threading.Event()
    engine = make_engine(sqlite_api_url)
    uow_factory = partial(UnitOfWork, make_session_factory(engine))
    worker = threading.Thread(
        target=work,
        args=(uow_factory, settings),
        kwargs={"clock": lambda: datetime.now(UTC), "poll_seconds": 0.2, "stop": stop},
        daemon=True,
    )
    worker.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    stop.set()
    server.should_exit = True
    thread.join(timeout=10)
    worker.join(timeout=30)
    engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        unavailable("Chromium", f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def watch_csp(page: Any) -> list[str]:
    """Console messages of Content-Security-Policy violations (and page errors), as the
    page runs; a test asserts the list stays empty."""
    seen: list[str] = []

    def on_console(message: Any) -> None:
        if "Content Security Policy" in message.text or message.type == "error":
            seen.append(f"{message.type}: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: seen.append(f"pageerror: {error}"))
    return seen


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    problems = watch_csp(page)
    yield page
    context.close()
    csp = [p for p in problems if "Content Security Policy" in p]
    assert csp == [], csp
