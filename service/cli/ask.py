"""`newsqa ask`: one question, answered from the local index or a running service, printed."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.markup import escape

from service.cli.console import err, first_error, out, settings_from
from service.config import Settings
from service.http.schemas import AskRequest


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
    try:
        request = AskRequest(
            question=question,
            top_k=top_k,
            mode=mode,  # validated here, with a clear message
            as_of=as_of.date() if as_of else None,
        )
    except ValidationError as exc:
        err.print(f"[red]error:[/] {escape(first_error(exc))}")
        raise typer.Exit(2) from exc
    if url:
        body = _ask_remote(url, request, api_key)
    else:
        body = _ask_local(settings_from(index_dir=index), request)
    if json_output:
        out.print_json(json.dumps(body))
    else:
        _print_answer(body)


def _ask_local(settings: Settings, request: AskRequest) -> dict[str, Any]:
    from indexer.errors import IndexError_
    from service.engine import ModeUnavailableError, QAEngine
    from service.generative.blocking import BlockingAnswerer
    from service.generative.errors import LLMError

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
        with BlockingAnswerer(engine, settings) as answerer:  # closes the engine
            result = answerer.ask(
                request.question,
                mode=request.mode,
                top_k=request.top_k,
                filters=filters,
                as_of=request.as_of,
            )
    except (IndexError_, ModeUnavailableError, LLMError, ValueError) as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}")
        raise typer.Exit(1) from exc
    finally:
        engine.close()
    return result.model_dump(mode="json")


def _ask_remote(url: str, request: AskRequest, api_key: str | None) -> dict[str, Any]:
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
    how = body.get("mode_used", "extractive")
    if body.get("fallback_reason"):
        how += f" ({body['fallback_reason']})"
    if body.get("usage"):
        how += f" · {body['usage']['prompt_tokens']} + {body['usage']['completion_tokens']} tokens"
    out.print(f"answered {escape(how)}")
    if body.get("unsupported_sentences"):
        out.print(f"[yellow]unsupported by the passages:[/] {len(body['unsupported_sentences'])}")
    for index, citation in enumerate(body["citations"], start=1):
        number = citation.get("marker") or index
        where = ", ".join(
            escape(str(part))
            for part in (citation["title"], citation["source"], citation["published_at"])
            if part
        )
        out.print(f"\n[{number}] “{escape(citation['quote'])}”")
        out.print(f"    {where or escape(citation['article_id'])}")
        if citation["url"]:
            out.print(f"    {escape(citation['url'])}", soft_wrap=True)
