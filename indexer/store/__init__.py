"""One index generation on disk: SQLite + vectors, written aside and published by one rename.

schema (files, SQL, rows), writer (a full write), delta (an incremental one), vectors (FAISS and
exact flat search), keyword (bm25: FTS5 or `bm25_postings` in memory), chunk_filter, read_pool,
reader (`open_index`, `Store`), manifest, generations (publish, CURRENT, garbage collection).
"""
