"""Milvus Lite under `newsqa bench scale`: the same vectors through its client API.

Milvus Lite keeps each flushed segment (up to 100k rows) with its own FAISS index and, on every
search, walks every row's primary key in Python to resolve upserts and deletes, so its search
time grows with the collection whatever the index; the figures show how far it goes.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from bench.scale_spec import IndexSpec

COLLECTION = "scale"
INSERT_BATCH = 5_000


def build_milvus_lite(data: np.ndarray, path: Path, spec: IndexSpec) -> Path:
    """A Milvus Lite database at `path` holding `data` under the spec's index; returns it."""
    from pymilvus import DataType, MilvusClient

    client = MilvusClient(str(path))
    try:
        if client.has_collection(COLLECTION):
            client.drop_collection(COLLECTION)
        schema = MilvusClient.create_schema(auto_id=False)
        schema.add_field("id", DataType.INT64, is_primary=True)
        schema.add_field("vector", DataType.FLOAT_VECTOR, dim=int(data.shape[1]))
        params = client.prepare_index_params()
        params.add_index(
            field_name="vector",
            index_type=spec.factory.split(":", 1)[1],
            metric_type="IP",
            params=dict(spec.build),
        )
        client.create_collection(COLLECTION, schema=schema, index_params=params)
        for start in range(0, len(data), INSERT_BATCH):
            block = np.asarray(data[start : start + INSERT_BATCH], dtype=np.float32)
            rows = [{"id": start + i, "vector": vector} for i, vector in enumerate(block.tolist())]
            client.insert(COLLECTION, rows)
        client.flush(COLLECTION)
    finally:
        client.close()
    return path


class LiteSearcher:
    """One open Milvus Lite collection, searched one query at a time."""

    def __init__(self, path: Path) -> None:
        from pymilvus import MilvusClient

        self._client = MilvusClient(str(path))
        self._client.load_collection(COLLECTION)
        self._params: dict[str, Any] = {}

    def set_knob(self, value: int) -> None:
        self._params = {"ef": value}

    def search(self, query: np.ndarray, k: int) -> np.ndarray:
        hits = self._client.search(
            COLLECTION,
            data=[query.tolist()],
            anns_field="vector",
            limit=k,
            search_params={"metric_type": "IP", "params": self._params},
            output_fields=["id"],
        )[0]
        return np.array([hit["id"] for hit in hits], dtype=np.int64)


def open_milvus_lite(path: Path, spec: IndexSpec) -> LiteSearcher:
    del spec  # the knob is set per sweep value
    return LiteSearcher(path)
