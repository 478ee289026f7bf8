"""Generative answers: the retrieved passages forwarded to an OpenAI-compatible LLM endpoint."""
