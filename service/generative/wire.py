"""The chat-completions wire format: what newsqa sends upstream, reads back, and serves itself.

Only the fields newsqa reads are declared; others are ignored, so any OpenAI-compatible server
(OpenAI, vLLM, llama.cpp, Ollama, LiteLLM) and any chat front end fits.
"""

from __future__ import annotations

from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    FiniteFloat,
    StrictBool,
    StrictInt,
    ValidationError,
)

Role = Literal["system", "user", "assistant", "developer", "tool"]


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Message(_Lenient):
    role: Role
    content: str


class Usage(_Lenient):
    prompt_tokens: int = Field(ge=0)
    completion_tokens: int = Field(ge=0)


class _AnswerMessage(_Lenient):
    content: str | None = None


class _Choice(_Lenient):
    message: _AnswerMessage
    finish_reason: str | None = None


class Completion(_Lenient):
    """A non-streamed answer."""

    choices: list[_Choice] = Field(min_length=1)
    usage: Usage | None = None


class _Delta(_Lenient):
    content: str | None = None


class _ChunkChoice(_Lenient):
    delta: _Delta = Field(default_factory=_Delta)
    finish_reason: str | None = None


class Chunk(_Lenient):
    """One streamed event; the last may carry only `usage` (stream_options.include_usage)."""

    choices: list[_ChunkChoice] = Field(default_factory=list)
    usage: Usage | None = None

    @property
    def text(self) -> str:
        return "".join(choice.delta.content or "" for choice in self.choices)

    @property
    def finish_reason(self) -> str | None:
        return next((c.finish_reason for c in self.choices if c.finish_reason), None)


# -- what the facade accepts (service/generative/openai_facade.py) ----------------------------


class ContentPart(_Lenient):
    type: str
    text: str | None = None


class IncomingMessage(_Lenient):
    role: Role
    content: str | list[ContentPart] | None = None

    @property
    def text(self) -> str:
        """The message's text; the text parts of a multi-part message, joined."""
        if isinstance(self.content, str):
            return self.content
        parts = self.content or []
        return "\n".join(p.text for p in parts if p.type == "text" and p.text)


class StreamOptions(_Lenient):
    include_usage: StrictBool = False


class ChatRequest(_Lenient):
    """POST /v1/chat/completions; sampling options are accepted and left to newsqa's settings.

    As on newsqa's own routes, `true` is not a count, `"yes"` is not a boolean and a number must
    be finite (service/http/validation.py); the question's text is checked by the facade.
    """

    model: str = Field(min_length=1, max_length=200)
    messages: list[IncomingMessage] = Field(min_length=1, max_length=200)
    stream: StrictBool = False
    stream_options: StreamOptions | None = None
    # Checked, then left to newsqa's settings.
    temperature: FiniteFloat | None = None
    top_p: FiniteFloat | None = None
    max_tokens: StrictInt | None = Field(None, ge=1)


def error_message(raw: bytes) -> str | None:
    """The `error.message` (or `error`) of an error body, where it has one."""

    class _Error(_Lenient):
        message: str | None = None

    class _Body(_Lenient):
        error: _Error | str | None = None
        message: str | None = None

    try:
        body = _Body.model_validate_json(raw)
    except ValidationError:
        return None
    if isinstance(body.error, _Error):
        return body.error.message
    return body.error or body.message
