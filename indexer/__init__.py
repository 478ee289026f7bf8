"""Ingest news articles and build a crash-safe, incremental FAISS + SQLite index."""
