"""`newsqa serve` (the HTTP service under uvicorn) and `newsqa ask` (one question, printed)."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape

from service.config import Settings

out = Console()
err = Console(stderr=True)


def register(root: typer.Typer) -> None:
    """Adds the serve and ask commands to the root command."""
    root.command("serve")(serve)
    root.command("ask")(ask)


def _settings(**overrides: Any) -> Settings:
    """Settings from the environment, with the command line's options on top."""
    try:
        return Settings(**{key: value for key, value in overrides.items() if value is not None})
    except ValidationError as exc:
        err.print(f"[red]error:[/] bad setting: {escape(str(exc))}")
        raise typer.Exit(2) from exc


def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind [settings: 127.0.0.1].")] = None,
    port: Annotated[int | None, typer.Option(help="Port [settings: 8000].")] = None,
    index: Annotated[Path | None, typer.Option(help="Index directory [settings].")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes [settings: 2].")] = None,
    log_level: Annotated[str, typer.Option(help="debug, info, warning or error.")] = "info",
) -> None:
    """Serve the HTTP API; new index generations are picked up without restart."""
    import uvicorn

    settings = _settings(host=host, port=port, index_dir=index, workers=workers)
    _configure_logging(log_level)
    if settings.workers > 1 and settings.store == "milvus":
        from indexer.store_milvus.location import is_local_file

        if is_local_file(settings.milvus_uri):  # opened by one process at a time
            err.print(
                f"[red]error:[/] the Milvus Lite file {escape(settings.milvus_uri)} can be open "
                "in one process only: serve it with --workers 1, or run `milvus-lite server "
                "--data-dir FILE --host 127.0.0.1` and set NEWSQA_MILVUS_URI to its address"
            )
            raise typer.Exit(2)
    if settings.workers == 1:
        from service.app import create_app

        app = create_app(settings)
        uvicorn.run(app, host=settings.host, port=settings.port, log_level=log_level)
        return
    _prepare_query_encoder(settings)
    # Workers are fresh interpreters: they read their settings from the environment, so the
    # command line's options travel there, with where they share metrics and rate limits.
    with tempfile.TemporaryDirectory(prefix="newsqa-serve-") as shared:
        metrics_dir = Path(shared) / "metrics"
        metrics_dir.mkdir()
        os.environ.update(
            {
                "NEWSQA_HOST": settings.host,
                "NEWSQA_PORT": str(settings.port),
                "NEWSQA_INDEX_DIR": str(settings.index_dir),
                "NEWSQA_SHARED_STATE_DIR": shared,
                "NEWSQA_LOG_LEVEL": log_level,
                "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
            }
        )
        uvicorn.run(
            "service.app:create_worker_app",
            factory=True,
            host=settings.host,
            port=settings.port,
            workers=settings.workers,
            log_level=log_level,
        )


def _prepare_query_encoder(settings: Settings) -> None:
    """Export the query encoder once, in a short-lived process, where none is cached yet.

    Otherwise every worker would load torch and export the same model at the same time; and
    the parent must not load torch itself (it would keep the memory while it supervises).
    """
    from indexer.query_embedder import query_encoder_cached

    if not settings.onnx_encoder or query_encoder_cached(
        settings.embedding_model, settings.cache_dir
    ):
        return
    err.print(f"exporting the embedding model for queries once (into {settings.cache_dir})")
    script = "import sys; from indexer.query_embedder import prepare_query_encoder as p; " + (
        "p(*sys.argv[1:])"
    )
    subprocess.run(
        [sys.executable, "-c", script, settings.embedding_model, str(settings.cache_dir)],
        check=False,  # a failed export is not fatal: the workers fall back to torch
    )


def _configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


def ask(
    question: Annotated[str, typer.Argument(help="The question, in quotes.")],
    index: Annotated[Path | None, typer.Option(help="Index directory [settings].")] = None,
    url: Annotated[
        str | None, typer.Option(help="Ask a running service (e.g. http://127.0.0.1:8000).")
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print the JSON response.")] = False,
    top_k: Annotated[int, typer.Option(help="Passages to read.")] = 10,
    mode: Annotated[str, typer.Option(help="auto, extractive or generative.")] = "auto",
    as_of: Annotated[
        datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Ignore news after this date.")
    ] = None,
    api_key: Annotated[
        str | None, typer.Option(envvar="NEWSQA_API_KEY", help="Bearer key for --url.")
    ] = None,
) -> None:
    """Answer one question with its citations, from the local index or a running service."""
    from service.schemas import AskRequest

    try:
        request = AskRequest(
            question=question,
            top_k=top_k,
            mode=mode,  # validated here, with a clear message
            as_of=as_of.date() if as_of else None,
        )
    except ValidationError as exc:
        err.print(f"[red]error:[/] {escape(_first_error(exc))}")
        raise typer.Exit(2) from exc
    if url:
        body = _ask_remote(url, request, api_key)
    else:
        body = _ask_local(_settings(index_dir=index), request)
    if json_output:
        out.print_json(json.dumps(body))
    else:
        _print_answer(body)


def _first_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    field = ".".join(str(part) for part in first["loc"])
    return f"{field}: {first['msg']}"


def _ask_local(settings: Settings, request: Any) -> dict[str, Any]:
    from indexer.errors import IndexError_
    from service.engine import ModeUnavailableError, QAEngine
    from service.schemas import AskResponse

    engine = QAEngine(settings)
    try:
        engine.warm_up()
        if not engine.ready:
            err.print(
                f"[red]error:[/] no index in {settings.index_dir}; "
                "build one with `newsqa index build PATH...`"
            )
            raise typer.Exit(1)
        filters = request.filters.to_domain() if request.filters else None
        result = engine.ask(
            request.question,
            mode=request.mode,
            top_k=request.top_k,
            filters=filters,
            as_of=request.as_of,
        )
    except (IndexError_, ModeUnavailableError) as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}")
        raise typer.Exit(1) from exc
    finally:
        engine.close()
    return AskResponse.from_result(result).model_dump(mode="json")


def _ask_remote(url: str, request: Any, api_key: str | None) -> dict[str, Any]:
    import httpx

    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    try:
        response = httpx.post(
            f"{url.rstrip('/')}/ask",
            json=request.model_dump(mode="json", exclude_none=True),
            headers=headers,
            timeout=httpx.Timeout(120.0, connect=5.0),
        )
    except httpx.HTTPError as exc:
        err.print(f"[red]error:[/] cannot reach {escape(url)}: {escape(str(exc))}")
        raise typer.Exit(1) from exc
    try:
        body: dict[str, Any] = response.json()
    except ValueError:
        body = {}
    if response.status_code != 200:
        error = body.get("error") or {}
        message = error.get("message") or body.get("detail") or response.reason_phrase
        code = error.get("code", str(response.status_code))
        err.print(f"[red]error:[/] {escape(code)}: {escape(str(message))}")
        raise typer.Exit(1)
    return body


def _print_answer(body: dict[str, Any]) -> None:
    if body["abstained"] or body["answer"] is None:
        out.print("[yellow]No answer:[/] the indexed news does not say (abstained).")
    else:
        out.print(f"[bold]{escape(body['answer'])}[/]")
    out.print(f"confidence {body['confidence']:.2f} · index {escape(body['index_version'])}")
    for number, citation in enumerate(body["citations"], start=1):
        where = ", ".join(
            escape(str(part))
            for part in (citation["title"], citation["source"], citation["published_at"])
            if part
        )
        out.print(f"\n[{number}] “{escape(citation['quote'])}”")
        out.print(f"    {where or escape(citation['article_id'])}")
        if citation["url"]:
            out.print(f"    {escape(citation['url'])}", soft_wrap=True)
