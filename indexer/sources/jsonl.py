"""JSON Lines reader: one article object per line (schema in ../shared/data/README.md)."""

from __future__ import annotations

import json

from indexer.sources.common import Records, SkipInput, decode_text, make_article, problem

_FIELDS = ("id", "title", "source", "url", "published_at", "author", "partial")


def read_jsonl(where: str, data: bytes) -> Records:
    """Every valid line becomes an article; a bad line is reported and the rest still read."""
    for number, raw in enumerate(data.split(b"\n"), start=1):
        try:
            line = decode_text(raw.rstrip(b"\r"))
            if not line.strip():
                continue  # blank lines (a trailing newline, spacing) carry nothing
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise SkipInput(f"malformed JSON: {exc.msg} (column {exc.colno})") from exc
            if not isinstance(record, dict):
                raise SkipInput(f"expected a JSON object, got {type(record).__name__}")
            fields = {name: record.get(name) for name in _FIELDS}
            article = make_article(text=record.get("text"), origin=f"{where}:{number}", **fields)
        except SkipInput as exc:
            yield problem(where, number, exc)
            continue
        yield article, number
