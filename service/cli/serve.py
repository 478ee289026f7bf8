"""`newsqa serve`: the HTTP service under uvicorn, in one process or several workers."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from service.cli.console import err, settings_from
from service.config import Settings

WORKER_APP = "service.http.app:create_worker_app"
# Signals that end serving: passed on to the worker supervisor, which stops its workers.
_FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind [settings: 127.0.0.1].")] = None,
    port: Annotated[int | None, typer.Option(help="Port [settings: 8000].")] = None,
    index: Annotated[Path | None, typer.Option(help="Index directory [settings].")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes [settings: 2].")] = None,
    log_level: Annotated[
        str | None, typer.Option(help="debug, info, warning or error [settings: info].")
    ] = None,
) -> None:
    """Serve the HTTP API; new index generations are picked up without restart."""
    settings = settings_from(
        host=host, port=port, index_dir=index, workers=workers, log_level=log_level
    )
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if settings.workers > 1 and settings.store == "milvus":
        from indexer.store.milvus.location import is_local_file

        if is_local_file(settings.milvus_uri):  # opened by one process at a time
            err.print(
                f"[red]error:[/] the Milvus Lite file {escape(settings.milvus_uri)} can be open "
                "in one process only: serve it with --workers 1, or run `milvus-lite server "
                "--data-dir FILE --host 127.0.0.1` and set NEWSQA_MILVUS_URI to its address"
            )
            raise typer.Exit(2)
    if settings.workers == 1:
        import uvicorn

        from service.http.app import create_app
        from service.http.slow_clients import head_timeout_protocol

        uvicorn.run(
            create_app(settings),
            host=settings.host,
            port=settings.port,
            log_level=settings.log_level,
            http=head_timeout_protocol(settings.header_timeout_s),
        )
        return
    _prepare_query_encoder(settings)
    with tempfile.TemporaryDirectory(prefix="newsqa-serve-") as shared:
        argv, env = worker_command(settings, Path(shared))
        code = run_workers(argv, env)
    if code:
        raise typer.Exit(code)


def worker_command(settings: Settings, shared: Path) -> tuple[list[str], dict[str, str]]:
    """uvicorn's command line for the workers, and their environment.

    Workers are fresh interpreters that read their settings from the environment: the command
    line's options travel there, with the folder where they share metrics and rate limits.
    This process's own environment is left as it was.
    """
    from service.http.slow_clients import PROTOCOL_PATH

    metrics_dir = shared / "metrics"
    metrics_dir.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "NEWSQA_HOST": settings.host,
        "NEWSQA_PORT": str(settings.port),
        "NEWSQA_INDEX_DIR": str(settings.index_dir),
        "NEWSQA_SHARED_STATE_DIR": str(shared),
        "NEWSQA_LOG_LEVEL": settings.log_level,
        "NEWSQA_HEADER_TIMEOUT_S": str(settings.header_timeout_s),  # read by the protocol
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
    }
    # The workers import the head-deadline protocol by name (service/http/slow_clients.py).
    argv = [
        sys.executable, "-m", "uvicorn", WORKER_APP, "--factory",
        "--host", settings.host, "--port", str(settings.port),
        "--workers", str(settings.workers), "--log-level", settings.log_level,
        "--http", PROTOCOL_PATH,
    ]  # fmt: skip
    return argv, env


def run_workers(argv: Sequence[str], env: Mapping[str, str]) -> int:
    """Runs uvicorn's supervisor until it exits, passing on the signals that end serving."""
    process = subprocess.Popen(list(argv), env=dict(env))
    previous = {sig: signal.getsignal(sig) for sig in _FORWARDED}

    def forward(signum: int, frame: object) -> None:
        if process.poll() is None:
            process.send_signal(signum)

    for sig in _FORWARDED:
        signal.signal(sig, forward)
    try:
        return process.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _prepare_query_encoder(settings: Settings) -> None:
    """Export the query encoder once, in a short-lived process, where none is cached yet.

    Otherwise every worker would load torch and export the same model at the same time; and
    the parent must not load torch itself (it would keep the memory while it supervises).
    """
    from indexer.embedding.query_embedder import query_encoder_cached

    if not settings.onnx_encoder or query_encoder_cached(
        settings.embedding_model, settings.cache_dir, settings.query_precision
    ):
        return
    err.print(f"exporting the embedding model for queries once (into {settings.cache_dir})")
    script = (
        "import sys; from indexer.embedding.query_embedder import prepare_query_encoder as p; "
        + ("p(*sys.argv[1:])")
    )
    subprocess.run(
        [
            sys.executable,
            "-c",
            script,
            settings.embedding_model,
            str(settings.cache_dir),
            settings.query_precision,
        ],
        check=False,  # a failed export is not fatal: the workers fall back to torch
    )
