"""``sigmasight serve``: the JSON API (and later the dashboard) under uvicorn."""

from __future__ import annotations

import errno
from typing import Annotated

import typer

from sigmasight.cli.common import console, fail, load_settings, unit_of_work_factory


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
    database_url: Annotated[str | None, typer.Option("--database-url")] = None,
    batch_worker: Annotated[
        bool,
        typer.Option(
            "--batch-worker/--no-batch-worker",
            help="Start a `sigmasight worker` child that runs queued batch runs.",
        ),
    ] = True,
) -> None:
    """Serve the dashboard and the API (docs at /docs) and start a batch worker beside
    it. The schema must be up to date."""
    import uvicorn

    from sigmasight.config import ConfigurationError, check_serving_secret

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
    _check_port_free(host, port)
    console.print(f"SigmaSight on http://{host}:{port}/ (dashboard; API docs at /docs)")
    from sigmasight.cli.worker import start_worker_process, stop_worker_process

    child = start_worker_process(database_url) if batch_worker else None
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
    finally:
        if child is not None:
            stop_worker_process(child)


def _check_port_free(host: str, port: int) -> None:
    """Fail in one line when ``host:port`` cannot be listened on (uvicorn would log the
    error and exit without naming the option that fixes it)."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except OSError as exc:
        fail(f"cannot listen on {host}:{port}: {exc}; check --host")
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind(address)
        except OSError as exc:
            reason = "is already in use" if exc.errno == errno.EADDRINUSE else f"fails: {exc}"
            fail(f"port {port} on {host} {reason}; choose another with --port")
