"""Arbitrary JSON, shaped like the request schemas or not, sent to the app over a real index:
never a 5xx, and every answer in its documented shape (POST /ask, POST /search, GET /ask and
the OpenAI-compatible POST /v1/chat/completions)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, Field

from indexer.embedding.transformer import SentenceTransformerEmbedder
from service.config import Settings
from service.engine import QAEngine
from service.http.app import create_app
from service.http.schemas import ErrorResponse
from service.http.validation import EARLIEST_DATE, LATEST_DATE
from service.types import AskResult, SearchResult

pytestmark = pytest.mark.slow

EXAMPLES = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Every character, lone surrogates (category Cs) and controls included.
ANY_CHAR = st.characters(codec=None, exclude_categories=())
HOSTILE_TEXT = st.text(ANY_CHAR, max_size=30)
WORDS = st.sampled_from(
    ["Orbital Labs", "Kestrel", "who leads", "Brightwater", "this week", "in March", "2026",
     "\x1c", "\x00", "\u200b", "latest", "TechCrunch", "?", "Tallinn", "\ud800"]
)  # fmt: skip
QUESTIONS = st.lists(WORDS, min_size=1, max_size=6).map(" ".join) | HOSTILE_TEXT
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | HOSTILE_TEXT
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(HOSTILE_TEXT, inner, max_size=3),
    max_leaves=8,
)
DATES = st.dates().map(str) | st.sampled_from(["2026-02-10", "1900-01-01", "2100-12-31"])
FILTERS = st.fixed_dictionaries(
    {},
    optional={
        "sources": st.lists(st.sampled_from(["Daily Chip", "Example Wire"]) | HOSTILE_TEXT)
        | JSON_VALUES,
        "published_after": DATES | JSON_VALUES,
        "published_before": DATES | JSON_VALUES,
        **{name: JSON_VALUES for name in ("source", "after")},  # misspelt fields
    },
)


def request_bodies(text_field: str, modes: list[str]) -> st.SearchStrategy[Any]:
    """Bodies with the schema's fields (valid or not, each present or not), or any JSON."""
    shaped = st.fixed_dictionaries(
        {},
        optional={
            text_field: QUESTIONS | JSON_VALUES,
            "top_k": st.integers(-3, 60) | JSON_VALUES,
            "mode": st.sampled_from(modes) | JSON_VALUES,
            "as_of": DATES | JSON_VALUES,
            "filters": FILTERS | JSON_VALUES,
            "extra": JSON_VALUES,
        },
    )
    return shaped | JSON_VALUES


def encode(body: Any, raw_surrogates: bool) -> bytes:
    """JSON bytes as a client might send them: \\u-escaped, or as raw (invalid) UTF-8."""
    if raw_surrogates:
        return json.dumps(body, ensure_ascii=False).encode("utf-8", "surrogatepass")
    return json.dumps(body).encode("ascii")  # NaN and Infinity as Python writes them


@pytest.fixture(scope="module")
def client(small_index: Path, embedder: SentenceTransformerEmbedder) -> Iterator[TestClient]:
    settings = Settings(index_dir=small_index, rate_limit_per_minute=1_000_000)
    app = create_app(settings, engine=QAEngine(settings, embedder=embedder))
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def check_answer(response: Any, ok_model: type[Any]) -> None:
    assert response.status_code < 500, (response.status_code, response.text)
    if response.headers["content-type"].startswith("text/event-stream"):
        assert response.status_code == 200
        events = [line[6:] for line in response.text.splitlines() if line.startswith("data: ")]
        assert events and all(
            e == "[DONE]" or json.loads(e, parse_constant=_not_json) for e in events
        )
        return
    body = json.loads(response.content, parse_constant=_not_json)
    if response.status_code == 200:
        ok_model.model_validate(body)
    elif response.status_code == 422:
        assert set(body) == {"detail"} and isinstance(body["detail"], list), body
        for error in body["detail"]:
            assert {"type", "loc", "msg"} <= set(error), error
    else:
        ErrorResponse.model_validate(body)


def _not_json(constant: str) -> None:
    raise AssertionError(f"the response holds {constant}")


@EXAMPLES
@given(body=request_bodies("question", ["auto", "extractive"]), raw=st.booleans())
def test_post_ask_never_fails_on_its_input(client: TestClient, body: Any, raw: bool) -> None:
    response = client.post(
        "/ask", content=encode(body, raw), headers={"Content-Type": "application/json"}
    )
    check_answer(response, AskResult)


@EXAMPLES
@given(body=request_bodies("query", ["hybrid", "keyword", "dense"]), raw=st.booleans())
def test_post_search_never_fails_on_its_input(client: TestClient, body: Any, raw: bool) -> None:
    response = client.post(
        "/search", content=encode(body, raw), headers={"Content-Type": "application/json"}
    )
    check_answer(response, SearchResult)


@EXAMPLES
@given(
    params=st.fixed_dictionaries(
        {},
        optional={
            "q": QUESTIONS.map(lambda q: q.encode("utf-8", "surrogatepass")),
            "top_k": st.integers(-3, 60).map(str) | HOSTILE_TEXT,
            "as_of": DATES | HOSTILE_TEXT,
        },
    )
)
def test_get_ask_never_fails_on_its_query_string(
    client: TestClient, params: dict[str, str | bytes]
) -> None:
    # Percent-encoded by hand: raw bytes (a surrogate's ED A0 80 included) go as they are.
    query = urlencode({k: v if isinstance(v, bytes) else v.encode("utf-8", "surrogatepass")
                       for k, v in params.items()})  # fmt: skip
    check_answer(client.get(f"/ask?{query}"), AskResult)


@EXAMPLES
@given(after=st.dates(), before=st.dates())
def test_a_reversed_date_range_is_refused_in_both_routes(
    client: TestClient, after: date, before: date
) -> None:
    filters = {"published_after": str(after), "published_before": str(before)}
    for path, field in (("/ask", "question"), ("/search", "query")):
        response = client.post(path, json={field: "who leads Orbital Labs?", "filters": filters})
        check_answer(response, AskResult if path == "/ask" else SearchResult)
        in_range = all(EARLIEST_DATE <= day <= LATEST_DATE for day in (after, before))
        if in_range and after > before:
            assert response.status_code == 422 and "later than" in response.text
        elif in_range:
            assert response.status_code == 200, response.text


class _ChatCompletion(BaseModel):
    """The part of a chat completion an OpenAI client reads."""

    object: Literal["chat.completion"]
    choices: list[dict[str, Any]] = Field(min_length=1)
    usage: dict[str, int]


CONTENTS = (
    QUESTIONS
    | st.lists(st.fixed_dictionaries({"type": st.just("text") | HOSTILE_TEXT, "text": QUESTIONS}))
    | JSON_VALUES
)
MESSAGES = st.lists(
    st.fixed_dictionaries(
        {"role": st.sampled_from(["user", "assistant", "system"]) | JSON_VALUES},
        optional={"content": CONTENTS},
    ),
    min_size=1,
    max_size=3,
)
# Chats a front end would send (with hostile questions), or the schema's fields with any value.
CHATS = st.fixed_dictionaries(
    {
        "model": st.sampled_from(["newsqa", "newsqa-extractive"]),
        "messages": st.lists(
            st.fixed_dictionaries(
                {"role": st.sampled_from(["user", "assistant"]), "content": QUESTIONS}
            ),
            max_size=2,
        ).map(lambda turns: [*turns, {"role": "user", "content": "who leads Orbital Labs?"}])
        | st.lists(
            st.fixed_dictionaries({"role": st.just("user"), "content": QUESTIONS}),
            min_size=1,
            max_size=2,
        ),
    },
    optional={"stream": st.booleans(), "temperature": st.floats(0, 2)},
)
CHAT_BODIES = (
    CHATS
    | st.fixed_dictionaries(
        {
            "model": st.sampled_from(["newsqa", "newsqa-extractive", "newsqa-generative"])
            | JSON_VALUES,
            "messages": MESSAGES | JSON_VALUES,
        },
        optional={
            "stream": st.booleans() | JSON_VALUES,
            "stream_options": st.fixed_dictionaries({}, optional={"include_usage": JSON_VALUES})
            | JSON_VALUES,
            "temperature": JSON_VALUES,
            "max_tokens": st.integers(-3, 600) | JSON_VALUES,
        },
    )
    | JSON_VALUES
)


@EXAMPLES
@given(body=CHAT_BODIES, raw=st.booleans())
def test_chat_completions_never_fail_on_their_input(
    client: TestClient, body: Any, raw: bool
) -> None:
    response = client.post(
        "/v1/chat/completions",
        content=encode(body, raw),
        headers={"Content-Type": "application/json"},
    )
    check_answer(response, _ChatCompletion)
