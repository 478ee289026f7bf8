"""Tests of generative answers, against a chat-completions server on 127.0.0.1."""
