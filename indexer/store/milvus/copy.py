"""Copy the live FAISS generation into a Milvus deployment, as one new generation.

Nothing is re-chunked, re-embedded or re-tagged: the articles, chunks (in position order),
vectors and sentence analyses go across as they are, so the two stores then hold the same
index and differ only in how they search it (the eval comparison in the README uses this).

    newsqa index copy-to-milvus --index var/index     # into NEWSQA_MILVUS_URI's deployment
"""

from __future__ import annotations

from pathlib import Path

from indexer.store.manifest import Manifest, generation_name
from indexer.store.milvus.location import MilvusLocation
from indexer.store.milvus.rows import NextRows, write_base
from indexer.store.milvus.schema import base_name
from indexer.store.milvus.writer import counts_of, document
from indexer.store.reader import open_index


def copy_generation(index_dir: Path | str, milvus: MilvusLocation) -> str:
    """Writes the FAISS index's live generation into `milvus` and publishes it; its name."""
    with open_index(index_dir) as store, milvus.writer_lock():
        records = {r.article.id: r for r in store.article_records()}
        rows = NextRows()
        vectors = store.vectors()
        by_article = store.chunks_by_article()
        for record in records.values():
            for position, chunk in by_article.get(record.article.id, []):
                rows.chunks.append(chunk)
                rows.vectors.append(vectors[position].tolist())
                rows.analyses.append(chunk.analysis)
        catalog = milvus.catalog()
        generation = catalog.next_generation()
        base = base_name(generation)
        wrote = write_base(
            catalog, milvus.settings, base, records, rows, store.dimension, generation
        )
        source = store.manifest
        manifest = Manifest(
            generation=generation,
            embedding_model=source.embedding_model,
            dimension=source.dimension,
            chunking=dict(source.chunking),
            faiss_type=wrote.kind,
            counts=counts_of(records, wrote.chunks),
            checksums={},
            input_fingerprint=source.input_fingerprint,
            sentence_analysis=source.sentence_analysis,
        )
        catalog.record(generation, base, document(manifest, records, wrote))
        catalog.switch(base)
        catalog.collect_garbage()
        return generation_name(generation)
