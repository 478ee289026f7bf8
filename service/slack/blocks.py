"""An answer as Slack Block Kit: the answer, its sources (title linked, outlet, date, the quoted
sentence), the confidence, and helpful / not helpful buttons.

Built from `AskResult` by attribute, so answers with more fields (generative ones) render too.
Within Block Kit's limits: 3,000 characters a section, 2,000 a button value, 50 blocks.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from service.slack.mrkdwn import escape, link, quote, truncate
from service.types import AskResult, Citation, RetrievalHit

Block = dict[str, Any]

FEEDBACK_ACTION_PREFIX = "newsqa_feedback_"
HELPFUL_ACTION = FEEDBACK_ACTION_PREFIX + "helpful"
NOT_HELPFUL_ACTION = FEEDBACK_ACTION_PREFIX + "not_helpful"
MAX_SOURCES = 3  # sources shown under an answer; more crowd a chat message
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
    answer = result.answer
    blocks: list[Block] = []
    if question:
        blocks.append(_context(f"*Q:* {escape(truncate(question, 500))}"))
    confidence = f"Confidence {round(100 * min(1.0, max(0.0, answer.confidence)))}%"
    if answer.abstained or not answer.text:
        fallback = NO_ANSWER
        blocks.append(_section(NO_ANSWER))
        sources = _closest(result.passages)
        footer = [confidence, "closest sources below" if sources else "no close sources"]
        blocks.append(_context(" · ".join(footer)))
        blocks += [_section(_passage_text(hit)) for hit in sources]
    else:
        fallback = truncate(answer.text, ANSWER_CHARS)
        blocks.append(_section(_answer_text(fallback)))
        blocks.append(_context(" · ".join([confidence, _mode(result)])))
        blocks += [_section(_citation_text(c)) for c in _distinct(answer.citations)]
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


def _mode(result: AskResult) -> str:
    return f"{result.mode_used} answer"


def _distinct(citations: Sequence[Citation]) -> list[Citation]:
    seen: set[str] = set()
    kept = []
    for citation in citations:
        if citation.article_id not in seen:
            seen.add(citation.article_id)
            kept.append(citation)
    return kept[:MAX_SOURCES]


def _closest(passages: Sequence[RetrievalHit]) -> list[RetrievalHit]:
    seen: set[str] = set()
    kept = []
    for hit in passages:
        if hit.chunk.article_id not in seen:
            seen.add(hit.chunk.article_id)
            kept.append(hit)
    return kept[:MAX_SOURCES]


def _source_line(
    article_id: str, title: str | None, url: str | None, outlet: str | None, day: date | None
) -> str:
    name = title or article_id
    head = link(url, name) if url else f"*{escape(name)}*"
    details = [escape(part) for part in (outlet, day.isoformat() if day else None) if part]
    return " · ".join([head, *details])


def _citation_text(citation: Citation) -> str:
    line = _source_line(
        citation.article_id, citation.title, citation.url, citation.source, citation.published_at
    )
    return f"{line}\n{quote(truncate(citation.quote, QUOTE_CHARS))}"


def _passage_text(hit: RetrievalHit) -> str:
    chunk = hit.chunk
    line = _source_line(chunk.article_id, chunk.title, chunk.url, chunk.source, chunk.published_at)
    return f"{line}\n{quote(truncate(chunk.text, QUOTE_CHARS))}"


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
