"""Sentence-aware, token-budgeted chunks with exact character offsets."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from indexer.text.sentences import split_sentences
from indexer.types import Article, Chunk


class OffsetTokenizer(Protocol):
    """What chunking needs from a model: its token budget and token character offsets."""

    @property
    def max_content_tokens(self) -> int:
        """Most tokens (special tokens excluded) the model embeds without truncation."""
        ...

    def token_offsets(self, texts: Sequence[str]) -> list[list[tuple[int, int]]]:
        """Character (start, end) of each token of each text, special tokens excluded."""
        ...


@dataclass(frozen=True)
class _Piece:
    """A sentence (or a token-bounded part of an over-long one): offsets into article.text."""

    start: int
    end: int
    tokens: int


class Chunker:
    """Packs whole sentences up to `target_tokens`; never exceeds the model's input limit."""

    def __init__(
        self, tokenizer: OffsetTokenizer, target_tokens: int = 200, overlap_tokens: int = 40
    ) -> None:
        if target_tokens < 1:
            raise ValueError(f"target_tokens must be at least 1. Currently, it is {target_tokens}")
        if not 0 <= overlap_tokens < target_tokens:
            raise ValueError(
                f"overlap_tokens must be in [0, target_tokens). Currently, it is {overlap_tokens}"
            )
        self._tokenizer = tokenizer
        self.limit = tokenizer.max_content_tokens
        if self.limit < 1:
            raise ValueError(f"the model's token budget must be positive, got {self.limit}")
        self.target_tokens = min(target_tokens, self.limit)
        self.overlap_tokens = min(overlap_tokens, self.target_tokens - 1)

    def chunk_article(self, article: Article) -> list[Chunk]:
        """The chunks of one article, in order."""
        return self.chunk_articles([article])[0]

    def chunk_articles(self, articles: Sequence[Article]) -> list[list[Chunk]]:
        """Chunks of each article; the tokenizer sees the whole batch at once (fast)."""
        sentence_spans = [split_sentences(article.text) for article in articles]
        texts = [
            a.text[s:e] for a, spans in zip(articles, sentence_spans, strict=True) for s, e in spans
        ]
        offsets = iter(self._tokenizer.token_offsets(texts))
        packed: list[list[tuple[int, int]]] = []
        for spans in sentence_spans:
            pieces = [p for start, end in spans for p in self._fit(start, end, next(offsets))]
            packed.append(self._pack(pieces))
        counted = self._enforce_limit(articles, packed)
        return [
            [
                Chunk(
                    id=f"{article.id}#{ordinal}",
                    article_id=article.id,
                    ordinal=ordinal,
                    text=article.text[start:end],
                    start=start,
                    end=end,
                    token_count=tokens,
                    title=article.title,
                    source=article.source,
                    url=article.url,
                    published_at=article.published_at,
                )
                for ordinal, (start, end, tokens) in enumerate(spans)
            ]
            for article, spans in zip(articles, counted, strict=True)
        ]

    def _fit(self, start: int, end: int, offsets: list[tuple[int, int]]) -> list[_Piece]:
        """The sentence itself, or token-bounded parts of it where it is over the limit."""
        if len(offsets) <= self.limit:
            return [_Piece(start, end, len(offsets))]
        pieces: list[_Piece] = []
        first = 0
        while first < len(offsets):
            last = min(first + self.limit, len(offsets))  # exclusive
            if last < len(offsets):
                # Cut before a word start (a gap before the token) so no word is split; a run of
                # tokens with no gap at all (a long URL) is cut at the token boundary instead.
                for cut in range(last, first + self.limit // 2, -1):
                    if offsets[cut][0] > offsets[cut - 1][1]:
                        last = cut
                        break
            pieces.append(
                _Piece(start + offsets[first][0], start + offsets[last - 1][1], last - first)
            )
            first = last
        return pieces

    def _pack(self, pieces: list[_Piece]) -> list[tuple[int, int]]:
        """Character spans of chunks: greedy runs of pieces, with sentence overlap."""
        spans: list[tuple[int, int]] = []
        i = 0
        while i < len(pieces):
            total, j = 0, i
            while j < len(pieces) and (j == i or total + pieces[j].tokens <= self.target_tokens):
                total += pieces[j].tokens
                j += 1
            spans.append((pieces[i].start, pieces[j - 1].end))
            if j == len(pieces):
                break
            # Overlap: trailing pieces of this chunk within overlap_tokens, while the next chunk
            # (overlap plus at least one new piece) stays within the target.
            k, carried = j, 0
            while k - 1 > i and carried + pieces[k - 1].tokens <= self.overlap_tokens:
                if carried + pieces[k - 1].tokens + pieces[j].tokens > self.target_tokens:
                    break
                carried += pieces[k - 1].tokens
                k -= 1
            i = k
        return spans

    def _enforce_limit(
        self, articles: Sequence[Article], packed: list[list[tuple[int, int]]]
    ) -> list[list[tuple[int, int, int]]]:
        """Exact token counts of the chunk texts; a chunk over the limit is split again.

        Summed sentence counts equal the chunk's count for BERT-style tokenizers; others may
        merge across a boundary, so the real text is counted, never assumed.
        """
        result: list[list[tuple[int, int, int]]] = [[] for _ in articles]
        todo = [(a, s, e) for a, spans in enumerate(packed) for s, e in spans]
        for _round in range(8):
            if not todo:
                break
            texts = [articles[a].text[s:e] for a, s, e in todo]
            retry: list[tuple[int, int, int]] = []
            for (a, s, e), offs in zip(todo, self._tokenizer.token_offsets(texts), strict=True):
                if len(offs) <= self.limit:
                    result[a].append((s, e, len(offs)))
                else:
                    retry.extend((a, p.start, p.end) for p in self._fit(s, e, offs))
            todo = retry
        if todo:
            raise RuntimeError(f"could not fit {len(todo)} chunk(s) within {self.limit} tokens")
        for spans in result:
            spans.sort()
        return result
