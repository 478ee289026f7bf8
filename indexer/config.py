"""Settings the indexer needs, as one frozen value (the service maps its settings onto it)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

# auto: exact below indexer.store.AUTO_APPROXIMATE_FROM chunks, HNSW over SQ8 codes from there.
FaissIndexType = Literal["auto", "flat", "hnsw", "hnsw_sq8", "ivf"]
FAISS_INDEX_TYPES: tuple[str, ...] = ("auto", "flat", "hnsw", "hnsw_sq8", "ivf")
DEFAULT_EMBEDDING_MODEL = "all-MiniLM-L6-v2"


@dataclass(frozen=True)
class IndexConfig:
    """How an index is built. Bad values fail here, with the value in the message."""

    embedding_model: str = DEFAULT_EMBEDDING_MODEL
    batch_size: int = 64
    chunk_target_tokens: int = 200
    chunk_overlap_tokens: int = 40
    faiss_index_type: FaissIndexType = "auto"
    near_duplicate_threshold: float = 0.85
    feed_timeout_s: float = 10.0
    feed_max_bytes: int = 10_000_000
    # Feed entries shorter than this once cleaned (teasers, junk) are skipped and reported.
    feed_min_chars: int = 200
    # Feeds may be fetched from loopback and private addresses (intranet feeds, tests).
    feed_allow_private: bool = False
    # Tag every chunk's sentences once (indexer.text.analysis) so that answering reads them instead.
    sentence_analysis: bool = True

    def __post_init__(self) -> None:
        if not self.embedding_model:
            raise ValueError("embedding_model must not be empty")
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be at least 1. Currently, it is {self.batch_size}")
        if self.chunk_target_tokens < 16:
            raise ValueError(
                f"chunk_target_tokens must be at least 16. Currently, it is "
                f"{self.chunk_target_tokens}"
            )
        if not 0 <= self.chunk_overlap_tokens < self.chunk_target_tokens:
            raise ValueError(
                f"chunk_overlap_tokens must be in [0, chunk_target_tokens). Currently, it is "
                f"{self.chunk_overlap_tokens}"
            )
        if self.faiss_index_type not in FAISS_INDEX_TYPES:
            raise ValueError(
                f"faiss_index_type must be one of {', '.join(FAISS_INDEX_TYPES)}. Currently, it "
                f"is {self.faiss_index_type!r}"
            )
        if not 0 < self.near_duplicate_threshold <= 1:
            raise ValueError(
                f"near_duplicate_threshold must be in (0, 1]. Currently, it is "
                f"{self.near_duplicate_threshold}"
            )
        if self.feed_timeout_s <= 0 or self.feed_max_bytes <= 0:
            raise ValueError("feed_timeout_s and feed_max_bytes must be positive")
        if self.feed_min_chars < 0:
            raise ValueError(
                f"feed_min_chars must not be negative. Currently, it is {self.feed_min_chars}"
            )

    def chunking(self) -> dict[str, int]:
        """The settings that decide chunk boundaries (recorded in the manifest)."""
        return {
            "target_tokens": self.chunk_target_tokens,
            "overlap_tokens": self.chunk_overlap_tokens,
        }

    def as_dict(self) -> dict[str, object]:
        return asdict(self)
