"""``sigmasight serve``: the JSON API (and later the dashboard) under uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer

from sigmasight.cli.common import console, fail, load_settings, unit_of_work_factory
from sigmasight.config import ConfigurationError, check_serving_secret


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
    database_url: Annotated[str | None, typer.Option("--database-url")] = None,
) -> None:
    """Serve the API (OpenAPI docs at /docs). The schema must be up to date."""
    import uvicorn

    settings = load_settings(database_url)
    try:
        check_serving_secret(settings, host)
    except ConfigurationError as exc:
        fail(str(exc))
    with unit_of_work_factory(settings):
        pass  # refuses a database that is not at the newest schema, with the fix
    if database_url:
        import os

        os.environ["SIGMASIGHT_DATABASE_URL"] = database_url
    console.print(f"SigmaSight on http://{host}:{port}/ (dashboard; API docs at /docs)")
    try:
        uvicorn.run(
            "sigmasight.api.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="warning",
            # The app decides whom to believe about X-Forwarded-For (trusted_proxies);
            # uvicorn's own default would believe any local peer.
            proxy_headers=False,
        )
    except OSError as exc:
        fail(f"cannot listen on {host}:{port}: {exc}")
