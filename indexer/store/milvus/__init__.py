"""The index on Milvus (a server, Zilliz Cloud or a Milvus Lite file), behind IndexReader."""
