"""An answer as Slack Block Kit: the answer, its sources (title linked, outlet, date, the quoted
sentence), the confidence, and helpful / not helpful buttons.

Extractive and generative answers alike (`service.types.AskResult`); a generative answer's
sources are numbered as its text cites them ([1], [2]). Within Block Kit's limits: 3,000
characters a section, 2,000 a button value, 50 blocks.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from service.slack.mrkdwn import escape, link, quote, truncate
from service.types import AskResult, Citation, Passage

Block = dict[str, Any]

FEEDBACK_ACTION_PREFIX = "newsqa_feedback_"
HELPFUL_ACTION = FEEDBACK_ACTION_PREFIX + "helpful"
NOT_HELPFUL_ACTION = FEEDBACK_ACTION_PREFIX + "not_helpful"
MAX_SOURCES = 3  # sources shown under an answer; more crowd a chat message
MAX_CITED = 6  # a generative answer's numbered sources: its text refers to each by number
QUOTE_CHARS = 400
ANSWER_CHARS = 2800
BUTTON_VALUE_CHARS = 2000
NO_ANSWER = "I couldn't find the answer to that in the indexed news."


@dataclass(frozen=True)
class FeedbackRef:
    """What a feedback button carries back: enough to store the vote without another lookup."""

    answer_id: str
    question: str
    answer: str | None
    mode: str
    index_version: str

    def encode(self) -> str:
        """Compact JSON within a button value's 2,000 characters (escapes included)."""
        for question_chars, answer_chars in ((500, 300), (200, 100), (0, 0)):
            body = {
                "id": self.answer_id,
                "q": truncate(self.question, question_chars) if question_chars else "",
                "a": truncate(self.answer, answer_chars) if self.answer and answer_chars else None,
                "m": self.mode,
                "v": self.index_version,
            }
            value = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
            if len(value) <= BUTTON_VALUE_CHARS:
                break
        return value

    @classmethod
    def decode(cls, value: str) -> FeedbackRef:
        """Raises ValueError on anything but what `encode` writes."""
        body = json.loads(value)
        if not isinstance(body, dict) or not isinstance(body.get("id"), str):
            raise ValueError("not a feedback reference")
        return cls(
            answer_id=body["id"],
            question=str(body.get("q") or ""),
            answer=body.get("a") if isinstance(body.get("a"), str) else None,
            mode=str(body.get("m") or ""),
            index_version=str(body.get("v") or ""),
        )


@dataclass(frozen=True)
class Message:
    text: str  # the notification and screen-reader fallback
    blocks: list[Block]


def answer_message(result: AskResult, ref: FeedbackRef, *, question: str | None = None) -> Message:
    """The answer to post; `question` is echoed above it where the channel has not seen it
    (a slash command's response)."""
    blocks: list[Block] = []
    if question:
        blocks.append(_context(f"*Q:* {escape(truncate(question, 500))}"))
    confidence = f"Confidence {round(100 * min(1.0, max(0.0, result.confidence)))}%"
    if result.abstained or not result.answer:
        fallback = NO_ANSWER
        blocks.append(_section(NO_ANSWER))
        sources = _one_per_article(result.passages)
        footer = [confidence, "closest sources below" if sources else "no close sources"]
        blocks.append(_context(" · ".join(footer)))
        blocks += [_section(_passage_text(passage)) for passage in sources]
    else:
        fallback = truncate(result.answer, ANSWER_CHARS)
        blocks.append(_section(_answer_text(fallback)))
        blocks.append(_context(" · ".join([confidence, *_about(result)])))
        blocks += [_section(text) for text in _sources(result)]
    blocks.append(_feedback_buttons(ref))
    return Message(text=fallback, blocks=blocks)


def notice(text: str) -> Message:
    """A plain message (an error, a usage hint) as one section."""
    return Message(text=text, blocks=[_section(escape(text))])


def _answer_text(text: str) -> str:
    # Bold where mrkdwn allows it: a short one-line answer without its own asterisks.
    if len(text) <= 200 and "\n" not in text and "*" not in text:
        return f"*{escape(text)}*"
    return escape(text)


def _about(result: AskResult) -> list[str]:
    """Who wrote the answer, and what a reader should know of how it came about."""
    notes = [f"{result.mode_used} answer"]
    if result.mode_used == "generative":
        if unsupported := len(result.unsupported_sentences):
            notes.append(f"{unsupported} sentence{'s' * (unsupported > 1)} without a source")
        if result.partial:
            notes.append("cut short")
    elif result.fallback_reason not in _ROUTINE_FALLBACKS:
        notes.append(f"the LLM could not answer ({result.fallback_reason})")
    return notes


# fallback_reason values that are the plan, not a failure: no LLM, or one not needed.
_ROUTINE_FALLBACKS = frozenset({None, "llm_not_configured", "low_confidence"})


def _sources(result: AskResult) -> list[str]:
    """Each source under the answer: a generative answer's by the [n] its text cites them with
    (one line per passage number), an extractive answer's once per article."""
    if result.mode_used != "generative":
        return [_citation_text(c) for c in _one_per_article(result.citations)]
    by_marker: dict[int, Citation] = {}
    for citation in result.citations:
        if citation.marker is not None:
            by_marker.setdefault(citation.marker, citation)
    numbered = sorted(by_marker.items())[:MAX_CITED]
    return [f"[{number}] {_citation_text(citation)}" for number, citation in numbered]


_Source = TypeVar("_Source", Citation, Passage)


def _one_per_article(sources: Sequence[_Source]) -> list[_Source]:
    """The first source of each article, in order, at most MAX_SOURCES of them."""
    seen: set[str] = set()
    kept = []
    for source in sources:
        if source.article_id not in seen:
            seen.add(source.article_id)
            kept.append(source)
    return kept[:MAX_SOURCES]


def _source_line(source: Citation | Passage) -> str:
    name = source.title or source.article_id
    head = link(source.url, name) if source.url else f"*{escape(name)}*"
    day = source.published_at.isoformat() if source.published_at else None
    details = [escape(part) for part in (source.source, day) if part]
    return " · ".join([head, *details])


def _citation_text(citation: Citation) -> str:
    return f"{_source_line(citation)}\n{quote(truncate(citation.quote, QUOTE_CHARS))}"


def _passage_text(passage: Passage) -> str:
    return f"{_source_line(passage)}\n{quote(truncate(passage.text, QUOTE_CHARS))}"


def _section(mrkdwn: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn}}


def _context(mrkdwn: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": mrkdwn}]}


def _feedback_buttons(ref: FeedbackRef) -> Block:
    value = ref.encode()
    return {
        "type": "actions",
        "block_id": "newsqa_feedback",
        "elements": [
            {
                "type": "button",
                "action_id": HELPFUL_ACTION,
                "text": {"type": "plain_text", "text": ":+1: Helpful", "emoji": True},
                "value": value,
            },
            {
                "type": "button",
                "action_id": NOT_HELPFUL_ACTION,
                "text": {"type": "plain_text", "text": ":-1: Not helpful", "emoji": True},
                "value": value,
            },
        ],
    }
