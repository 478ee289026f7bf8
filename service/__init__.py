"""The newsqa HTTP service: hybrid retrieval and extractive answers with exact citations."""
