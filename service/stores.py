"""The index location the settings name: a FAISS directory (default) or a Milvus deployment."""

from __future__ import annotations

from typing import Any

from indexer.pipeline.location import FaissLocation, IndexLocation
from service.config import Settings


def index_location(settings: Settings) -> IndexLocation[Any]:
    """Where `newsqa index` writes and the engine reads, from NEWSQA_STORE and friends."""
    if settings.store == "faiss":
        return FaissLocation(settings.index_dir)
    # Imported only when chosen: pymilvus loads gRPC and protobuf (~0.3 s).
    from indexer.store.milvus.location import MilvusLocation
    from indexer.store.milvus.rows import CollectionSettings

    token = settings.milvus_token.get_secret_value() if settings.milvus_token else None
    return MilvusLocation(
        settings.milvus_uri,
        alias=settings.milvus_collection,
        token=token,
        settings=CollectionSettings(index_type=settings.milvus_index_type),
        lock_dir=settings.index_dir,
    )
