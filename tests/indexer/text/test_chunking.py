"""Chunks: whole sentences, token budgets the model never truncates, exact offsets."""

from __future__ import annotations

import itertools
import random
from datetime import date

import pytest

from indexer.embedding.transformer import SentenceTransformerEmbedder
from indexer.text.chunking import Chunker
from indexer.text.sentences import split_sentences
from indexer.types import Article, Chunk

pytestmark = pytest.mark.slow

SUBJECTS = ["Plimsoll Labs", "The regulator", "Dr. Amara Okafor", "A start-up in Lyon", "Analysts"]
VERBS = ["announced", "questioned", "delayed", "priced at $2.5 billion", "open-sourced"]
OBJECTS = [
    "a model that writes code",
    "the chip export rules",
    "its quarterly results, which beat forecasts by 3.5 percent",
    "a data centre in the desert (the firm's largest yet)",
    "\u201ca safer assistant,\u201d according to a spokesperson",
]


def invented_article(paragraphs: int, seed: int = 7) -> Article:
    rng = random.Random(seed)
    text = "\n\n".join(
        " ".join(
            f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} "
            f"on Jan. {rng.randint(1, 28)}."
            for _ in range(rng.randint(2, 6))
        )
        for _ in range(paragraphs)
    )
    return Article(
        id="inv-1",
        text=text,
        title="An invented story",
        source="Test Wire",
        url="https://example.test/story",
        published_at=date(2025, 3, 4),
    )


def check_chunks(
    embedder: SentenceTransformerEmbedder, article: Article, chunks: list[Chunk]
) -> None:
    """Exact offsets, real token counts, and no chunk the model would silently truncate."""
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))
    counts = embedder.count_tokens([c.text for c in chunks])
    for chunk, count in zip(chunks, counts, strict=True):
        assert chunk.id == f"{article.id}#{chunk.ordinal}"
        assert chunk.article_id == article.id
        assert article.text[chunk.start : chunk.end] == chunk.text
        assert chunk.token_count == count
        assert chunk.token_count + 2 <= embedder.max_seq_length
        # What sentence-transformers actually feeds the model keeps every token.
        fed = embedder.model.tokenize([chunk.text])["input_ids"]
        assert fed.shape[1] == chunk.token_count + 2
    starts = [c.start for c in chunks]
    assert starts == sorted(starts)
    assert len(set(starts)) == len(starts)


def test_short_article_is_one_chunk(embedder: SentenceTransformerEmbedder) -> None:
    article = invented_article(paragraphs=1)
    chunks = Chunker(embedder).chunk_article(article)
    assert len(chunks) == 1
    chunk = chunks[0]
    assert (chunk.start, chunk.end) == (0, len(article.text))
    assert (chunk.title, chunk.source, chunk.url, chunk.published_at) == (
        article.title,
        article.source,
        article.url,
        article.published_at,
    )
    check_chunks(embedder, article, chunks)


def test_long_article_packs_whole_sentences_with_overlap(
    embedder: SentenceTransformerEmbedder,
) -> None:
    article = invented_article(paragraphs=30)
    chunker = Chunker(embedder, target_tokens=120, overlap_tokens=30)
    chunks = chunker.chunk_article(article)
    assert len(chunks) > 5
    check_chunks(embedder, article, chunks)
    sentences = split_sentences(article.text)
    starts, ends = {s for s, _ in sentences}, {e for _, e in sentences}
    sentence_tokens = dict(
        zip(
            sentences, embedder.count_tokens([article.text[s:e] for s, e in sentences]), strict=True
        )
    )
    for chunk in chunks:
        assert chunk.start in starts and chunk.end in ends  # whole sentences only
        assert chunk.token_count <= 120
    overlapping = 0
    for before, after in itertools.pairwise(chunks):
        assert after.end > before.end, "each chunk brings new text"
        shared = [span for span in sentences if after.start <= span[0] and span[1] <= before.end]
        assert sum(sentence_tokens[span] for span in shared) <= 30
        # The last sentence is carried over whenever it fits the overlap (and the next chunk).
        last = max(span for span in sentences if span[1] <= before.end)
        first_new = min(span for span in sentences if span[0] >= before.end)
        fits = sentence_tokens[last] + sentence_tokens[first_new] <= 120
        if sentence_tokens[last] <= 30 and fits and last[0] > before.start:
            assert shared, f"chunk {after.ordinal} should start with the previous last sentence"
        overlapping += bool(shared)
    assert overlapping > len(chunks) // 2
    # Every sentence is in some chunk.
    assert all(any(c.start <= s and e <= c.end for c in chunks) for s, e in sentences)


def test_no_overlap_gives_a_partition(embedder: SentenceTransformerEmbedder) -> None:
    article = invented_article(paragraphs=12, seed=3)
    chunks = Chunker(embedder, target_tokens=80, overlap_tokens=0).chunk_article(article)
    for before, after in itertools.pairwise(chunks):
        assert not article.text[before.end : after.start].strip()


def test_giant_single_sentence_is_split_on_word_tokens(
    embedder: SentenceTransformerEmbedder,
) -> None:
    words = [f"word{i % 97}" for i in range(3000)]
    article = Article(id="giant", text=" ".join(words) + ".")
    chunks = Chunker(embedder).chunk_article(article)
    assert len(chunks) >= 4
    check_chunks(embedder, article, chunks)
    # Consecutive pieces of one sentence neither overlap nor drop text, and cut between words.
    rebuilt = " ".join(c.text for c in chunks)
    assert rebuilt == article.text
    assert all(c.token_count > 254 // 2 for c in chunks[:-1])


def test_long_text_without_spaces_is_cut_on_token_boundaries(
    embedder: SentenceTransformerEmbedder,
) -> None:
    # Punctuation-joined fragments: no whitespace, no sentence end, many tokens.
    text = "-".join(f"alpha{i}beta" for i in range(1200))
    article = Article(id="nospace", text=text)
    chunks = Chunker(embedder).chunk_article(article)
    assert len(chunks) > 1
    check_chunks(embedder, article, chunks)
    assert "".join(c.text for c in chunks) == text


def test_empty_article_has_no_chunks(embedder: SentenceTransformerEmbedder) -> None:
    assert Chunker(embedder).chunk_article(Article(id="empty", text="  \n\n ")) == []


def test_batch_equals_one_by_one(embedder: SentenceTransformerEmbedder) -> None:
    articles = [invented_article(paragraphs=n, seed=n) for n in (1, 4, 9)]
    articles = [Article(id=f"a{i}", text=a.text) for i, a in enumerate(articles)]
    chunker = Chunker(embedder, target_tokens=100, overlap_tokens=20)
    assert chunker.chunk_articles(articles) == [chunker.chunk_article(a) for a in articles]


def test_target_above_model_limit_is_capped(embedder: SentenceTransformerEmbedder) -> None:
    chunker = Chunker(embedder, target_tokens=1000, overlap_tokens=40)
    assert chunker.target_tokens == embedder.max_content_tokens
    article = invented_article(paragraphs=40, seed=11)
    check_chunks(embedder, article, chunker.chunk_article(article))


@pytest.mark.parametrize(
    ("target", "overlap", "message"),
    [
        (0, 0, "target_tokens must be at least 1. Currently, it is 0"),
        (100, 100, r"overlap_tokens must be in \[0, target_tokens\). Currently, it is 100"),
        (100, -1, "Currently, it is -1"),
    ],
)
def test_bad_settings(
    embedder: SentenceTransformerEmbedder, target: int, overlap: int, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        Chunker(embedder, target_tokens=target, overlap_tokens=overlap)
