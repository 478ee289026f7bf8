"""What a probe sent as an outside tester, each now a clear 422 and never a 500.

Validation runs before the engine is asked, so these run on an app without an index; the
Hypothesis tests in test_request_fuzz.py send arbitrary JSON to an app over a real index.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.config import Settings
from service.http.app import create_app
from service.http.validation import normalise_text

JSON = {"Content-Type": "application/json"}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    index_dir = tmp_path_factory.mktemp("no-index")
    settings = Settings(index_dir=index_dir, rate_limit_per_minute=100_000)
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client


def assert_422_naming(response: Any, *field: str) -> list[dict[str, Any]]:
    """A 422 in FastAPI's shape, strictly valid JSON, with an error located at `field`."""
    assert response.status_code == 422, response.text
    # Strict parsing: a body holding NaN or Infinity (not JSON) fails here.
    body = json.loads(response.content, parse_constant=_refuse)
    assert set(body) == {"detail"}
    detail: list[dict[str, Any]] = body["detail"]
    assert detail and all({"type", "loc", "msg"} <= set(error) for error in detail)
    assert any(tuple(error["loc"][-len(field) :]) == field for error in detail), detail
    return detail


def _refuse(constant: str) -> None:
    raise AssertionError(f"the body holds {constant}, which JSON has no word for")


CONTROL_ONLY = ["\x1c", "\x1d\x1e\x1f", " \x1c ", "\x00", "\x00\x00\x00", "\u200b", "\ufeff\u200d"]


@pytest.mark.parametrize("text", CONTROL_ONLY)
@pytest.mark.parametrize(("path", "field"), [("/ask", "question"), ("/search", "query")])
def test_text_of_only_control_or_invisible_characters_is_refused(
    client: TestClient, path: str, field: str, text: str
) -> None:
    detail = assert_422_naming(client.post(path, json={field: text}), "body", field)
    assert "empty once control" in detail[0]["msg"]


@pytest.mark.parametrize("text", CONTROL_ONLY)
def test_get_ask_refuses_the_same_questions(client: TestClient, text: str) -> None:
    assert_422_naming(client.get("/ask", params={"q": text}), "query", "q")


@pytest.mark.parametrize(
    "raw",
    [
        b'{"question": "\\ud800"}',  # an escaped lone surrogate
        b'{"question": "who \\udfff leads"}',
        b'{"question": "\xed\xa0\x80"}',  # the same surrogate as raw (invalid) UTF-8 bytes
        b'{"question": "ok", "\xed\xa0\x80": 1}',  # in a key, which the 422 locates
        b'{"question": "ok", "\\ud800": 1}',
    ],
)
def test_lone_surrogates_are_refused_without_echoing_them_raw(
    client: TestClient, raw: bytes
) -> None:
    response = client.post("/ask", content=raw, headers=JSON)
    assert response.status_code == 422, response.text
    response.content.decode("utf-8")  # strict: the body itself is valid UTF-8
    assert b"\xed\xa0\x80" not in response.content
    assert_422_naming(response, *json.loads(response.content)["detail"][0]["loc"])


@pytest.mark.parametrize("number", [b"1e999", b"-1e999", b"NaN", b"Infinity", b"-Infinity"])
@pytest.mark.parametrize(("path", "field"), [("/ask", "question"), ("/search", "query")])
def test_non_finite_numbers_are_refused_with_a_finite_body(
    client: TestClient, path: str, field: str, number: bytes
) -> None:
    raw = b'{"%s": "who leads Orbital Labs?", "top_k": %s}' % (field.encode(), number)
    detail = assert_422_naming(client.post(path, content=raw, headers=JSON), "body", "top_k")
    assert isinstance(detail[0]["input"], str)  # "inf" / "nan", as text


@pytest.mark.parametrize("value", [True, False, 2.0, "3", [3], {"n": 3}])
def test_top_k_must_be_a_json_integer(client: TestClient, value: object) -> None:
    body = {"question": "who leads Orbital Labs?", "top_k": value}
    assert_422_naming(client.post("/ask", json=body), "body", "top_k")


def test_get_ask_reads_top_k_from_text_but_only_as_an_integer(client: TestClient) -> None:
    for value in ("true", "1e999", "nan", "2.5"):
        response = client.get("/ask", params={"q": "who?", "top_k": value})
        assert_422_naming(response, "query", "top_k")


@pytest.mark.parametrize(
    "value",
    [0, 1712000000, 20250101.0, True, "0", "20250101", "2025-1-1", "2025-01-01T00:00:00",
     "1899-12-31", "0001-01-01", "2101-01-01", "9999-12-31", "2025-02-30"],
)  # fmt: skip
def test_as_of_is_an_iso_date_in_a_sane_range(client: TestClient, value: object) -> None:
    assert_422_naming(client.post("/ask", json={"question": "who?", "as_of": value}), "as_of")
    params = {"q": "who?", "as_of": str(value)}
    assert_422_naming(client.get("/ask", params=params), "query", "as_of")


@pytest.mark.parametrize("field", ["published_after", "published_before"])
@pytest.mark.parametrize("value", [0, "0", "1800-01-01", "2200-01-01", False])
def test_filter_dates_are_iso_dates_in_a_sane_range(
    client: TestClient, field: str, value: object
) -> None:
    body = {"query": "chips", "filters": {field: value}}
    assert_422_naming(client.post("/search", json=body), "filters", field)


@pytest.mark.parametrize(("path", "field"), [("/ask", "question"), ("/search", "query")])
def test_a_date_range_that_ends_before_it_starts_is_refused(
    client: TestClient, path: str, field: str
) -> None:
    filters = {"published_after": "2026-02-01", "published_before": "2026-01-31"}
    response = client.post(path, json={field: "who?", "filters": filters})
    detail = assert_422_naming(response, "body", "filters")
    assert "later than published_before" in detail[0]["msg"]


def test_outlet_names_in_filters_are_normalised_like_questions(client: TestClient) -> None:
    body = {"query": "chips", "filters": {"sources": ["Daily Chip", "\u200b"]}}
    assert_422_naming(client.post("/search", json=body), "sources", 1)


def test_the_boundaries_themselves_are_accepted_by_validation(client: TestClient) -> None:
    # No index here: a request that passes validation meets 503, not 422.
    for as_of in ("1900-01-01", "2100-12-31"):
        response = client.post("/ask", json={"question": "who?", "as_of": as_of, "top_k": 50})
        assert response.status_code == 503, response.text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  who\x1cleads\u200b Orbital\tLabs?\n", "who leads Orbital Labs?"),
        ("Open\u200bAI", "OpenAI"),
        ("naïve café", "naïve café"),
        ("\x00what\x00", "what"),
    ],
)
def test_normalised_text_keeps_the_visible_words(raw: str, expected: str) -> None:
    assert normalise_text(raw) == expected


def test_invalid_utf8_in_a_body_is_a_client_error(client: TestClient) -> None:
    response = client.post("/ask", content=b'{"question": "\xff\xfe"}', headers=JSON)
    assert 400 <= response.status_code < 500
    assert response.json()


def test_a_query_the_engine_refuses_is_a_422_not_a_500(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    # Defence in depth: input errors found below the HTTP layer keep the 422 shape.
    from service.engine import QAEngine
    from service.types import InvalidQueryError

    settings = Settings(index_dir=tmp_path_factory.mktemp("none"))
    engine = QAEngine(settings)

    def refuse(*args: object, **kwargs: object) -> None:
        raise InvalidQueryError("query must not be empty")

    engine.search = refuse  # type: ignore[method-assign]
    with TestClient(create_app(settings, engine=engine), raise_server_exceptions=False) as client:
        detail = assert_422_naming(client.post("/search", json={"query": "ok"}), "body")
    assert detail[0]["msg"] == "query must not be empty"


# The OpenAI-compatible facade follows the same rules for its own fields.
CHAT = "/v1/chat/completions"


def chat(content: object, **fields: object) -> dict[str, object]:
    return {"model": "newsqa", "messages": [{"role": "user", "content": content}], **fields}


@pytest.mark.parametrize("text", CONTROL_ONLY)
def test_a_chat_question_of_only_control_or_invisible_characters_is_refused(
    client: TestClient, text: str
) -> None:
    for content in (text, [{"type": "text", "text": text}]):
        detail = assert_422_naming(client.post(CHAT, json=chat(content)), "messages", 0, "content")
        assert "empty once control" in detail[0]["msg"]


def test_a_chat_question_with_visible_words_passes_validation(client: TestClient) -> None:
    # No index here: a request that passes validation meets 503, not 422.
    response = client.post(CHAT, json=chat("who\x1cleads\u200b Orbital Labs?"))
    assert response.status_code == 503, response.text


@pytest.mark.parametrize(
    ("field", "value"),
    [("stream", "yes"), ("stream", 1), ("max_tokens", True), ("max_tokens", 2.0)],
)
def test_chat_fields_are_strictly_typed(client: TestClient, field: str, value: object) -> None:
    assert_422_naming(client.post(CHAT, json=chat("who?", **{field: value})), "body", field)


def test_stream_options_are_strictly_typed(client: TestClient) -> None:
    body = chat("who?", stream=True, stream_options={"include_usage": "true"})
    assert_422_naming(client.post(CHAT, json=body), "stream_options", "include_usage")


@pytest.mark.parametrize("value", ["true", 1])
def test_ask_stream_is_a_json_boolean(client: TestClient, value: object) -> None:
    body = {"question": "who leads Orbital Labs?", "stream": value}
    assert_422_naming(client.post("/ask", json=body), "body", "stream")


@pytest.mark.parametrize("number", [b"1e999", b"NaN", b"-Infinity"])
@pytest.mark.parametrize("field", [b"temperature", b"top_p"])
def test_non_finite_chat_numbers_are_refused_with_a_finite_body(
    client: TestClient, field: bytes, number: bytes
) -> None:
    raw = b'{"model": "newsqa", "messages": [{"role": "user", "content": "who?"}], "%s": %s}'
    response = client.post(CHAT, content=raw % (field, number), headers=JSON)
    assert_422_naming(response, "body", field.decode())


@pytest.mark.parametrize(
    "raw",
    [
        b'{"model": "newsqa", "messages": [{"role": "user", "content": "\\ud800"}]}',
        b'{"model": "newsqa", "messages": [{"role": "user", "content": "\xed\xa0\x80"}]}',
    ],
)
def test_lone_surrogates_in_a_chat_are_refused_without_echoing_them_raw(
    client: TestClient, raw: bytes
) -> None:
    response = client.post(CHAT, content=raw, headers=JSON)
    assert response.status_code == 422, response.text
    response.content.decode("utf-8")
    assert b"\xed\xa0\x80" not in response.content
