"""A generated answer: the prompt built within budget, the endpoint asked, the answer grounded."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from datetime import date

from service.generative.citations import Grounding, ground
from service.generative.client import ChatClient
from service.generative.delta_filter import DeltaFilter
from service.generative.errors import LLMError
from service.generative.observer import NullObserver, Observer
from service.generative.prompt import Prompt, build_prompt, encoding_for_model
from service.generative.wire import Message, Usage
from service.types import Answer, RetrievalHit, TokenUsage


@dataclass(frozen=True)
class Generation:
    answer: Answer
    grounding: Grounding
    usage: TokenUsage
    prompt: Prompt
    failure: LLMError | None = None  # what cut a partial answer short


class Generator:
    def __init__(
        self, client: ChatClient, *, budget_tokens: int, observer: Observer | None = None
    ) -> None:
        self._client = client
        self._budget = budget_tokens
        self._observer = observer or NullObserver()
        self.encoding = encoding_for_model(client.model)

    def prompt(
        self,
        question: str,
        hits: Sequence[RetrievalHit],
        *,
        as_of: date,
        history: Sequence[Message] = (),
    ) -> Prompt:
        return build_prompt(
            question, hits, as_of=as_of, encoding=self.encoding, budget=self._budget,
            history=history,
        )  # fmt: skip

    async def generate(self, question: str, prompt: Prompt) -> Generation:
        """The whole answer at once; an LLMError where the endpoint gave none."""
        reply = await self._client.complete(prompt.messages)
        return self._finish(question, prompt, reply.text, reply.usage)

    async def stream(self, question: str, prompt: Prompt) -> AsyncGenerator[str | Generation, None]:
        """Cleaned text deltas, then the Generation. An LLMError before the first delta is
        raised; one after it ends the answer there, flagged partial."""
        shown = DeltaFilter(prompt.passages)
        parts: list[str] = []
        usage: Usage | None = None
        try:
            async with aclosing(self._client.stream(prompt.messages)) as pieces:
                async for piece in pieces:
                    if isinstance(piece, str):
                        parts.append(piece)
                        if text := shown.feed(piece):
                            yield text
                    else:
                        usage = piece.usage
        except LLMError as exc:
            if not parts:
                raise
            if tail := shown.flush():
                yield tail
            yield self._finish(question, prompt, "".join(parts), None, failure=exc)
            return
        if tail := shown.flush():
            yield tail
        yield self._finish(question, prompt, "".join(parts), usage)

    def _finish(
        self,
        question: str,
        prompt: Prompt,
        text: str,
        usage: Usage | None,
        *,
        failure: LLMError | None = None,
    ) -> Generation:
        grounded = ground(text, question, prompt.passages, partial=failure is not None)
        if usage is not None:
            tokens = TokenUsage(
                prompt_tokens=usage.prompt_tokens, completion_tokens=usage.completion_tokens
            )
        else:
            completion = len(self.encoding.encode(text, disallowed_special=()))
            tokens = TokenUsage(
                prompt_tokens=prompt.tokens, completion_tokens=completion, counted=True
            )
        self._observer.tokens_used(tokens.prompt_tokens, tokens.completion_tokens)
        answer = Answer(
            text=grounded.text,
            abstained=grounded.text is None,
            confidence=grounded.confidence,
            citations=grounded.citations,
        )
        return Generation(answer, grounded.grounding, tokens, prompt, failure)
