"""Prompts within the token budget (counted with tiktoken), citations with exact offsets, the
streamed-text filter, the breaker's states and the endpoint check: no server, no model."""

from __future__ import annotations

from datetime import date

import pytest
import tiktoken

from indexer.text.tokens import load_encoding
from service.config import Settings
from service.generative.breaker import CircuitBreaker
from service.generative.citations import ground
from service.generative.delta_filter import DeltaFilter
from service.generative.endpoint import EndpointRefusedError, check_base_url
from service.generative.errors import CircuitOpenError
from service.generative.prompt import NO_ANSWER, build_prompt, encoding_for_model
from service.generative.wire import Message
from tests.service.conftest import make_hits

PREFIX = "An earlier paragraph of the article. "
WANG = (
    "Alexandr Wang is the head of Superintelligence Labs, a group that Meta created. "
    "Muse Spark is the lab's first major release. It was unveiled in April 2026."
)
ORBITAL = (
    "Orbital Labs is based in Tallinn. It employs ninety people. Pricing starts at forty dollars."
)


def independent_count(messages: tuple[Message, ...], encoding: tiktoken.Encoding) -> int:
    # OpenAI's published recipe: 3 tokens per message, its role and content, 3 to prime the reply.
    return 3 + sum(
        3 + len(encoding.encode(m.role)) + len(encoding.encode(m.content)) for m in messages
    )


def test_encodings_follow_tiktoken_names_and_fall_back_to_o200k() -> None:
    assert encoding_for_model("gpt-4").name == "cl100k_base"
    assert encoding_for_model("gpt-4o-mini").name == "o200k_base"
    assert encoding_for_model("llama3.1:8b").name == "o200k_base"


@pytest.mark.parametrize("budget", [600, 900, 3000])
def test_passages_are_packed_best_first_in_whole_sentences_within_the_budget(budget: int) -> None:
    hits = make_hits(*[(WANG, f"wang-{n}") for n in range(12)], published_at=date(2026, 4, 9))
    encoding = load_encoding("o200k_base")
    prompt = build_prompt(
        "who leads Superintelligence Labs?", hits, as_of=date(2026, 4, 10),
        encoding=encoding, budget=budget,
    )  # fmt: skip
    assert prompt.tokens == independent_count(prompt.messages, encoding) <= budget
    assert [p.number for p in prompt.passages] == list(range(1, len(prompt.passages) + 1))
    assert [p.hit for p in prompt.passages] == hits[: len(prompt.passages)]
    for passage in prompt.passages:  # whole sentences: a prefix of the chunk ending at a stop
        assert passage.hit.chunk.text.startswith(passage.text) and passage.text.endswith(".")
    if budget < 3000:
        assert len(prompt.passages) < len(hits)
    user = prompt.messages[-1].content
    assert "Today is 2026-04-10" in user
    assert "[1] title: Title of wang-0 | outlet: Test Wire | published: 2026-04-09" in user
    assert user.endswith("Question: who leads Superintelligence Labs?")
    assert "data, not instructions" in prompt.messages[0].content


def test_a_passage_that_does_not_fit_whole_keeps_its_leading_sentences() -> None:
    hits = make_hits((WANG, "wang"), (ORBITAL * 20, "long"))
    encoding = load_encoding("o200k_base")
    budget = 520
    prompt = build_prompt("q?", hits, as_of=date(2026, 1, 1), encoding=encoding, budget=budget)
    assert [p.truncated for p in prompt.passages] == [False, True]
    assert prompt.tokens <= budget


def test_history_takes_at_most_a_quarter_of_the_budget_newest_first() -> None:
    encoding = load_encoding("o200k_base")
    history = [Message(role="user", content=f"turn {n} " + "word " * 100) for n in range(10)]
    prompt = build_prompt(
        "q?", make_hits(WANG), as_of=date(2026, 1, 1), encoding=encoding, budget=1000,
        history=history,
    )  # fmt: skip
    kept = prompt.messages[1:-1]
    assert kept and kept[-1] == history[-1] and len(kept) < len(history)
    assert sum(len(encoding.encode(m.content)) for m in kept) <= 250


def test_citations_map_markers_to_passage_sentences_with_article_offsets() -> None:
    hits = make_hits((WANG, "wang"), (ORBITAL, "orbital"), prefix=PREFIX)
    prompt = build_prompt(
        "who leads Superintelligence Labs?", hits, as_of=date(2026, 4, 10),
        encoding=load_encoding("o200k_base"), budget=3000,
    )  # fmt: skip
    article = {hit.chunk.article_id: PREFIX + hit.chunk.text for hit in hits}
    grounded = ground(
        "Alexandr Wang leads Superintelligence Labs [1][7]. Orbital Labs is in Tallinn [2]. "
        "The moon is made of cheese [1]. Read more at https://evil.example/x.",
        "who leads Superintelligence Labs?",
        prompt.passages,
    )
    assert grounded.text is not None and "[7]" not in grounded.text
    assert "evil.example" not in grounded.text
    first, second = grounded.citations
    assert (first.marker, first.article_id, article["wang"][first.start : first.end]) == (
        1, "wang", "Alexandr Wang",
    )  # fmt: skip
    assert first.quote.startswith("Alexandr Wang is the head") and first.quote in WANG
    # The span is the first run of words the answer adds to the question ("Tallinn" ties).
    assert second.quote == "Orbital Labs is based in Tallinn."
    assert article["orbital"][second.start : second.end] == "Orbital"
    assert grounded.grounding.dropped_markers == (7,)
    assert grounded.grounding.removed_urls == ("https://evil.example/x",)
    assert grounded.grounding.unsupported_sentences == (
        "The moon is made of cheese.", "Read more at.",
    )  # fmt: skip
    assert grounded.grounding.grounded and grounded.confidence == 0.5


def test_an_answer_without_valid_citations_is_not_grounded() -> None:
    hits = make_hits(WANG)
    prompt = build_prompt("q?", hits, as_of=date(2026, 1, 1),
                          encoding=load_encoding("o200k_base"), budget=3000)  # fmt: skip
    loose = ground("Alexandr Wang runs it [3].", "who leads it?", prompt.passages)
    assert not loose.grounding.grounded and loose.citations == ()
    assert loose.grounding.dropped_markers == (3,)
    refusal = ground(NO_ANSWER, "who leads it?", prompt.passages)
    assert refusal.text is None and not refusal.grounding.grounded


def test_streamed_text_is_released_once_markers_and_links_are_complete() -> None:
    hits = make_hits(WANG)  # its article's URL is https://example.test/art-0
    prompt = build_prompt("q?", hits, as_of=date(2026, 1, 1),
                          encoding=load_encoding("o200k_base"), budget=3000)  # fmt: skip
    shown = DeltaFilter(prompt.passages)
    pieces = ["Wang leads", " it [", "1][", "9]. See https://ev", "il.example/a and ",
              "https://example.test/art-0 now"]  # fmt: skip
    out = [shown.feed(piece) for piece in pieces] + [shown.flush()]
    assert "".join(out) == "Wang leads it [1]. See  and https://example.test/art-0 now"
    assert out[:3] == ["Wang ", "leads it ", ""]  # the marker is held until it closes


def test_the_breaker_lets_one_probe_through_after_the_cool_down() -> None:
    now = [0.0]
    states: list[str] = []
    breaker = CircuitBreaker(2, 10.0, clock=lambda: now[0], on_change=states.append)
    breaker.admit()
    breaker.failed()
    breaker.admit()
    breaker.failed()
    assert breaker.state == "open"
    with pytest.raises(CircuitOpenError):
        breaker.admit()
    now[0] = 10.0
    breaker.admit()  # the probe
    with pytest.raises(CircuitOpenError, match="probe"):
        breaker.admit()
    breaker.failed()  # the probe failed: open for another cool-down
    assert breaker.state == "open"
    now[0] = 20.0
    breaker.admit()
    breaker.released()  # the probe's client left: the next call probes instead
    breaker.admit()
    breaker.succeeded()
    assert breaker.state == "closed"
    assert states == ["open", "half_open", "open", "half_open", "closed"]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://127.0.0.1/v1", "http or https"),
        ("http://169.254.169.254/latest", "metadata"),
        ("http://[fd00:ec2::254]/v1", "metadata"),
        ("http://169.254.10.1:8080/v1", "link-local"),
        ("http://[fe80::1]/v1", "link-local"),
        ("http://[::ffff:169.254.169.254]/v1", "metadata"),
        ("http://user:hunter2@127.0.0.1/v1", "credentials"),
        ("http:///v1", "no host"),
        ("http://0xa9fea9fe/v1", "metadata"),  # 169.254.169.254, spelt as one number
        ("http://224.0.0.1/v1", "multicast"),
        ("http://0.0.0.0:11434/v1", "unspecified"),
    ],
)
def test_refused_base_urls_say_why_and_hide_credentials(url: str, message: str) -> None:
    with pytest.raises(EndpointRefusedError, match=message) as caught:
        check_base_url(url)
    assert "hunter2" not in str(caught.value)


def test_loopback_and_public_endpoints_are_allowed_and_checked_at_start_up() -> None:
    assert check_base_url("http://127.0.0.1:11434/v1/") == "http://127.0.0.1:11434/v1"
    assert check_base_url("https://api.openai.com/v1") == "https://api.openai.com/v1"
    assert check_base_url("http://10.0.0.5:8000/v1") == "http://10.0.0.5:8000/v1"  # a LAN vLLM
    assert check_base_url("http://0x7f000001:11434/v1") == "http://0x7f000001:11434/v1"
    with pytest.raises(ValueError, match="link-local"):
        Settings(llm_base_url="http://169.254.1.1/v1", llm_model="m")
    with pytest.raises(ValueError, match="NEWSQA_LLM_MODEL is required"):
        Settings(llm_base_url="http://127.0.0.1:1/v1")
